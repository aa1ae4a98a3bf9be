"""`datalive doctor`: a readiness checklist that fails on what is missing and never shows a secret."""

from __future__ import annotations

import socket
from pathlib import Path

import duckdb
import pytest

from da_platform.cli import main
from da_platform.doctor import ready, run_checks
from da_platform.env import load_settings


def _checks(home: Path, **environ: str) -> dict:
    settings = load_settings({"DATALIVE_HOME": str(home), **environ}, cwd=home)
    return {c.name: c for c in run_checks(settings, _secrets(environ))}


def _secrets(environ: dict) -> dict:
    names = ("DATALIVE_SNOWFLAKE_ACCOUNT", "DATALIVE_SNOWFLAKE_USER", "DATALIVE_SNOWFLAKE_PASSWORD")
    return {name: bool(environ.get(name)) for name in names}


def test_a_fresh_dev_environment_is_not_ready_and_doctor_writes_nothing(tmp_path: Path) -> None:
    checks = _checks(tmp_path / "home")
    assert checks["warehouse"].ok is False and "datalive run" in checks["warehouse"].detail
    assert checks["lake"].ok is True and "not created yet" in checks["lake"].detail
    assert not ready(list(checks.values()))
    assert not (tmp_path / "home").exists()


def test_dev_with_a_warehouse_reports_its_gold_tables(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path)}, cwd=tmp_path)
    settings.warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema gold; create table gold.t (x int)")
    checks = _checks(tmp_path)
    assert checks["warehouse"].ok and "1 gold tables" in checks["warehouse"].detail


def test_prod_without_snowflake_credentials_names_the_missing_ones(tmp_path: Path) -> None:
    checks = _checks(tmp_path, DA_ENV="prod", DATALIVE_SNOWFLAKE_ACCOUNT="acme")
    snowflake = checks["warehouse (Snowflake)"]
    assert snowflake.ok is False
    assert "DATALIVE_SNOWFLAKE_USER" in snowflake.detail and "DATALIVE_SNOWFLAKE_PASSWORD" in snowflake.detail
    assert "DATALIVE_SNOWFLAKE_ACCOUNT" not in snowflake.detail


def test_doctor_never_prints_a_secret_value(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATALIVE_HOME", str(tmp_path))
    monkeypatch.setenv("DA_ENV", "prod")
    for name, value in {"ACCOUNT": "acme-eu", "USER": "svc_datalive", "PASSWORD": "s3cr3t-Pa55"}.items():
        monkeypatch.setenv(f"DATALIVE_SNOWFLAKE_{name}", value)
    with socket.socket() as closed:  # a Snowflake endpoint that refuses connections: fails fast, offline
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("DATALIVE_SNOWFLAKE_HOST", "127.0.0.1")
    monkeypatch.setenv("DATALIVE_SNOWFLAKE_PORT", str(port))
    monkeypatch.setenv("DATALIVE_SNOWFLAKE_PROTOCOL", "http")
    assert main(["doctor"]) == 1  # the credentials are there, but nothing answers: not ready
    out = capsys.readouterr()
    assert "credentials present but DB_PROD is unreachable" in out.out
    for value in ("acme-eu", "svc_datalive", "s3cr3t-Pa55"):
        assert value not in out.out + out.err


def test_a_configured_broker_must_answer(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert _checks(tmp_path, DATALIVE_KAFKA_BOOTSTRAP=f"127.0.0.1:{port}")["stream"].ok
    down = _checks(tmp_path, DATALIVE_KAFKA_BOOTSTRAP=f"127.0.0.1:{port}")["stream"]
    assert down.ok is False and down.required


@pytest.mark.parametrize("env", ["qa", "prod"])
def test_doctor_env_flag_checks_that_environment(tmp_path: Path, monkeypatch, capsys, env: str) -> None:
    monkeypatch.setenv("DATALIVE_HOME", str(tmp_path))
    monkeypatch.delenv("DA_ENV", raising=False)
    assert main(["doctor", "--env", env]) == 1
    assert f"datalive doctor · {env}" in capsys.readouterr().out


def test_an_unreachable_vector_server_fails_the_check_without_showing_its_password(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dsn = f"postgresql://datalive:s3cr3t@127.0.0.1:{port}/rag?connect_timeout=2"
    check = _checks(tmp_path / "home", DATALIVE_VECTOR_DSN=dsn)["vector store"]
    assert check.ok is False and check.required
    assert "s3cr3t" not in check.detail


def test_without_server_backends_the_embedded_vector_store_and_in_process_silver_are_reported(tmp_path: Path) -> None:
    checks = _checks(tmp_path / "home")
    assert checks["vector store"].ok and "embedded DuckDB" in checks["vector store"].detail
    assert checks["spark"].ok and not checks["spark"].required


@pytest.mark.parametrize("env", ["qa", "prod"])
def test_shared_environments_refuse_the_embedded_defaults_and_a_missing_alert_route(tmp_path: Path, env: str) -> None:
    checks = _checks(tmp_path / "home", DA_ENV=env)
    expected = {
        "lake": "DATALIVE_LAKE_URL",
        "vector store": "DATALIVE_VECTOR_DSN",
        "model registry": f"DATALIVE_MLFLOW_URI_{env.upper()}",
        "alerts": "DATALIVE_ALERT_WEBHOOK_URL or DATALIVE_ALERT_SNS_TOPIC_ARN",
    }
    for name, variable in expected.items():
        assert checks[name].ok is False and checks[name].required, name
        assert "for dev only" in checks[name].detail and variable in checks[name].detail, checks[name].detail
    assert not ready(list(checks.values()))


def test_dev_keeps_the_embedded_defaults_and_log_line_alerts(tmp_path: Path) -> None:
    checks = _checks(tmp_path / "home")
    for name in ("lake", "vector store", "model registry", "alerts"):
        assert checks[name].ok, checks[name].detail
    assert "log lines" in checks["alerts"].detail


def test_a_configured_alert_route_passes_in_prod_without_showing_the_webhook(tmp_path: Path) -> None:
    webhook = "https://hooks.slack.com/services/T000/B000/s3cr3tT0ken"
    alerts = _checks(tmp_path / "home", DA_ENV="prod", DATALIVE_ALERT_WEBHOOK_URL=webhook)["alerts"]
    assert alerts.ok and "s3cr3tT0ken" not in alerts.detail
    topic = "arn:aws:sns:eu-north-1:123456789012:dqalq-alerts-qa"
    assert _checks(tmp_path / "home", DA_ENV="qa", DATALIVE_ALERT_SNS_TOPIC_ARN=topic)["alerts"].ok
