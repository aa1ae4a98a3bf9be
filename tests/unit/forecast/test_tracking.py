"""MLflow tracking of forecast policies: logging, the champion alias, offline loading and promotion.

Every store lives under ``tmp_path``; the backtest table is written by hand (the real backtest takes
minutes), and the network is cut so "works offline" is checked rather than assumed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from da_platform.forecast import ForecastConfig, read_volve_daily
from da_platform.forecast.tracking import (
    MODEL_NAME,
    PromotionRefused,
    TrackingTarget,
    champion,
    dev_target,
    load_champion_config,
    load_champion_model,
    log_candidate,
    promote,
    set_champion,
)

from .conftest import VOLVE_DAILY

FAST = ForecastConfig(inner_origins=4, inner_spacing=20)


@pytest.fixture(autouse=True)
def offline_mlflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No telemetry, no progress bars, no writes to the real home, and no network at all."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # where MLflow keeps its telemetry id
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # MLflow's default store is ./mlflow.db: a stray fallback shows up here

    def refuse(self: socket.socket, address: object) -> None:
        raise OSError(f"network access attempted in an offline test: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "mlruns").exists()


def metrics_table(mase_30: float, mase_90: float) -> pl.DataFrame:
    """A backtest()-shaped table: the selected policy and a naive row, two horizons, a few metrics."""
    rows = []
    for horizon, mase in ((30, mase_30), (90, mase_90)):
        for model, offset in (("selected", 0.0), ("naive", 0.25)):
            for metric, value in (
                ("mase", mase + offset),
                ("mase_median", mase + offset - 0.1),
                ("coverage_p10_p90", 0.78),
                ("cum_volume_error_pct", float("nan")),
            ):
                rows.append(
                    {
                        "model": model,
                        "horizon_days": horizon,
                        "metric": metric,
                        "value": value,
                        "windows": 40,
                        "beats_naive_share": 0.0 if model == "naive" else 0.6,
                    }
                )
    return pl.DataFrame(rows)


@pytest.fixture
def dev(tmp_path: Path) -> TrackingTarget:
    return dev_target(tmp_path / "home" / "dev", "dev")


@pytest.fixture
def qa(tmp_path: Path) -> TrackingTarget:
    return dev_target(tmp_path / "home" / "qa" / "pr-12", "qa/pr-12")


def test_targets_are_absolute_and_the_experiment_name_encodes_the_environment(tmp_path: Path) -> None:
    dev = dev_target(tmp_path / "home" / "dev", "dev")
    qa = dev_target(tmp_path / "home" / "qa" / "pr-12", "qa/pr-12")
    assert dev.tracking_uri == f"sqlite:///{(tmp_path / 'home' / 'dev' / 'mlflow' / 'mlflow.db').as_posix()}"
    assert dev.artifact_root == str(tmp_path / "home" / "dev" / "mlflow" / "artifacts")
    assert (dev.experiment, qa.experiment) == ("datalive-forecast-dev", "datalive-forecast-qa-pr-12")
    assert dev.model_name == qa.model_name == MODEL_NAME
    assert dev.tracking_uri != qa.tracking_uri and dev.artifact_root != qa.artifact_root
    # Even pointed at the same folder, two environments never share an experiment.
    assert dev_target(tmp_path, "dev").experiment != dev_target(tmp_path, "qa/pr-12").experiment


def test_log_candidate_registers_version_1_with_flattened_metrics(dev: TrackingTarget) -> None:
    from mlflow import MlflowClient

    table = metrics_table(1.10, 1.30)
    candidate = log_candidate(dev, FAST, table, tags={"git_sha": "abc123"})

    assert candidate.version == "1"
    assert candidate.summary["mase_30d"] == pytest.approx(1.10)
    assert candidate.summary["mase_90d"] == pytest.approx(1.30)
    assert candidate.summary["beats_naive_share_30d"] == pytest.approx(0.6)
    assert candidate.summary["windows_90d"] == 40
    assert set(candidate.summary) >= {"mase_median_30d", "coverage_p10_p90_90d"}
    assert "cum_volume_error_pct_30d" not in candidate.summary  # NaN (no windows) is left out, not logged

    client = MlflowClient(tracking_uri=dev.tracking_uri, registry_uri=dev.tracking_uri)
    run = client.get_run(candidate.run_id)
    assert client.get_experiment(run.info.experiment_id).name == "datalive-forecast-dev"
    assert run.data.metrics["mase_30d"] == pytest.approx(1.10)  # the policy's rows, not naive's 1.35
    assert run.data.params["inner_origins"] == "4" and run.data.params["candidates"].startswith("mean_7,median_7")
    assert run.data.tags["git_sha"] == "abc123"
    logged = json.loads(Path(client.download_artifacts(candidate.run_id, "backtest_metrics.json")).read_text())
    assert len(logged) == table.height and {r["model"] for r in logged} == {"selected", "naive"}
    assert champion(dev) is None  # logging does not promote

    assert log_candidate(dev, FAST, table).version == "2"


def test_log_candidate_refuses_a_table_without_the_selected_policy(dev: TrackingTarget) -> None:
    with pytest.raises(ValueError, match="'selected'"):
        log_candidate(dev, FAST, metrics_table(1.0, 1.0).filter(pl.col("model") == "naive"))


def test_champion_alias_is_set_and_read_back_with_its_metrics(dev: TrackingTarget) -> None:
    first = log_candidate(dev, FAST, metrics_table(1.10, 1.30))
    second = log_candidate(dev, ForecastConfig(inner_origins=6), metrics_table(1.00, 1.20))
    set_champion(dev, first.version)
    assert champion(dev) == first
    set_champion(dev, second.version)
    current = champion(dev)
    assert current is not None and current.version == "2" and current.summary["mase_90d"] == pytest.approx(1.20)
    assert load_champion_config(dev) == ForecastConfig(inner_origins=6)
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException, match=r"(?i)not found|does not exist"):
        set_champion(dev, "99")


def test_the_champion_loads_back_offline_and_forecasts_a_real_volve_well(
    dev: TrackingTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow.pyfunc

    set_champion(dev, log_candidate(dev, FAST, metrics_table(1.10, 1.30)).version)
    volve = read_volve_daily(VOLVE_DAILY)
    # 15/9-F-14's last 200 days of 2015: a producing well (the file's own end is a shut-in).
    well = (
        volve.filter((pl.col("well_id") == "15/9-F-14") & (pl.col("production_date") <= date(2015, 12, 31)))
        .sort("production_date")
        .tail(200)
    )

    # The stock MLflow way, resolved through the registry the caller points at (only via the environment).
    monkeypatch.setenv("MLFLOW_TRACKING_URI", dev.tracking_uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", dev.tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion")
    points = model.predict(well, params={"horizon_days": 45})
    assert isinstance(points, pd.DataFrame)
    assert list(points.columns) == ["date", "p10", "p50", "p90"]
    assert len(points) == 45 and points["date"].iloc[0] == pd.Timestamp(2016, 1, 1)
    assert (points["p10"] <= points["p50"]).all() and (points["p50"] <= points["p90"]).all()
    assert (points["p50"] > 0).all()

    # Pandas input and the env-free loader give the same numbers.
    again = load_champion_model(dev).predict(well.to_pandas(), params={"horizon_days": 45})
    pd.testing.assert_frame_equal(points, again)


def test_promote_into_an_empty_target_copies_the_policy_and_sets_its_champion(
    dev: TrackingTarget, qa: TrackingTarget
) -> None:
    from mlflow import MlflowClient

    source = log_candidate(dev, FAST, metrics_table(1.10, 1.30), tags={"git_sha": "abc123"})
    set_champion(dev, source.version)

    promotion = promote(dev, qa)

    assert (promotion.source_version, promotion.target_version, promotion.previous_champion) == ("1", "1", None)
    target_champion = champion(qa)
    assert target_champion is not None and target_champion.run_id == promotion.target_run_id
    assert target_champion.summary == source.summary
    assert load_champion_config(qa) == FAST
    client = MlflowClient(tracking_uri=qa.tracking_uri, registry_uri=qa.tracking_uri)
    run = client.get_run(promotion.target_run_id)
    assert client.get_experiment(run.info.experiment_id).name == "datalive-forecast-qa-pr-12"
    assert run.data.tags["promoted_from"] == "datalive-forecast-dev:1"
    assert run.data.tags["git_sha"] == "abc123"
    assert run.data.params == MlflowClient(tracking_uri=dev.tracking_uri).get_run(source.run_id).data.params
    # A copy, not a pointer: the qa version's files live under qa's artifact root.
    version = client.get_model_version(MODEL_NAME, "1")
    assert Path(qa.artifact_root).as_uri() in version.source
    assert load_champion_model(qa).predict(_tiny_well(), params={"horizon_days": 5}).shape == (5, 4)


def test_promote_refuses_a_worse_candidate_naming_versions_and_metrics(dev: TrackingTarget, qa: TrackingTarget) -> None:
    set_champion(dev, log_candidate(dev, FAST, metrics_table(1.10, 1.30)).version)
    promote(dev, qa)
    worse = log_candidate(dev, FAST, metrics_table(1.05, 1.45))  # better at 30 days, worse at 90

    with pytest.raises(PromotionRefused) as refused:
        promote(dev, qa, version=worse.version)

    message = str(refused.value)
    assert "mase_90d" in message and "1.4500" in message and "1.3000" in message
    assert "datalive-forecast-dev version 2" in message and "datalive-forecast-qa-pr-12 champion version 1" in message
    assert "mase_30d" not in message  # it was not worse there
    assert isinstance(refused.value, ValueError)
    current = champion(qa)
    assert current is not None and current.version == "1"  # nothing changed


@pytest.mark.parametrize(("mase_30", "mase_90"), [(1.10, 1.30), (0.95, 1.25)], ids=["equal", "better"])
def test_promote_of_an_equal_or_better_candidate_replaces_the_champion(
    dev: TrackingTarget, qa: TrackingTarget, mase_30: float, mase_90: float
) -> None:
    set_champion(dev, log_candidate(dev, FAST, metrics_table(1.10, 1.30)).version)
    promote(dev, qa)
    challenger = log_candidate(dev, ForecastConfig(inner_origins=5), metrics_table(mase_30, mase_90))
    set_champion(dev, challenger.version)

    promotion = promote(dev, qa)

    assert (promotion.source_version, promotion.target_version, promotion.previous_champion) == ("2", "2", "1")
    current = champion(qa)
    assert current is not None and current.version == "2"
    assert current.summary["mase_30d"] == pytest.approx(mase_30)
    assert load_champion_config(qa) == ForecastConfig(inner_origins=5)


def test_promote_without_a_source_champion_says_so(dev: TrackingTarget, qa: TrackingTarget) -> None:
    log_candidate(dev, FAST, metrics_table(1.10, 1.30))
    with pytest.raises(ValueError, match="no 'champion'"):
        promote(dev, qa)
    assert champion(qa) is None


def test_a_fresh_interpreter_loads_the_champion_by_alias(dev: TrackingTarget, tmp_path: Path) -> None:
    # In this process the pyfunc class already exists; a new one must rebuild it from the pickle's
    # reference (da_platform.forecast.tracking.ForecastPolicyModel) through the module's __getattr__.
    set_champion(dev, log_candidate(dev, FAST, metrics_table(1.10, 1.30)).version)
    _tiny_well().write_parquet(tmp_path / "well.parquet")
    code = (
        "import mlflow.pyfunc, polars as pl\n"
        f"m = mlflow.pyfunc.load_model('models:/{MODEL_NAME}@champion')\n"
        "print(len(m.predict(pl.read_parquet('well.parquet'), params={'horizon_days': 7})))\n"
    )
    env = {
        **os.environ,  # monkeypatched by offline_mlflow: no telemetry, config under tmp_path
        "MLFLOW_TRACKING_URI": dev.tracking_uri,
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
    }
    # A script file, as a user's job would be: under `python -c`, pyspark (installed for the Spark path)
    # takes the bare __main__ for its doctest runner and exits when MLflow probes for a Spark session.
    script = tmp_path / "load_champion.py"
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7"


def _tiny_well() -> pl.DataFrame:
    days = pl.date_range(date(2015, 1, 1), date(2015, 4, 30), eager=True)
    return pl.DataFrame(
        {"production_date": days, "on_stream_hrs": [24.0] * len(days), "oil_sm3": [500.0 - i for i in range(len(days))]}
    )


def test_an_environment_with_a_tracking_server_uses_it_and_one_without_keeps_its_sqlite_store(tmp_path: Path) -> None:
    from da_platform.defs.resources import registry_resource
    from da_platform.env import load_settings

    servers = {"DATALIVE_MLFLOW_URI_PROD": "https://mlflow.prod.internal"}
    prod = registry_resource(load_settings({"DATALIVE_HOME": str(tmp_path), "DA_ENV": "prod", **servers})).target()
    dev = registry_resource(load_settings({"DATALIVE_HOME": str(tmp_path), **servers})).target()

    assert prod.tracking_uri == "https://mlflow.prod.internal" and prod.artifact_root == ""
    assert dev.tracking_uri.startswith("sqlite:///") and str(tmp_path / "dev") in dev.tracking_uri


def test_a_pull_request_on_a_shared_qa_server_gets_its_own_registered_model() -> None:
    from da_platform.forecast.tracking import MODEL_NAME, server_target

    qa, pr = server_target("http://qa:5000", "qa"), server_target("http://qa:5000", "qa/pr-12")
    assert qa.model_name == MODEL_NAME and pr.model_name == f"{MODEL_NAME}-pr-12"
    assert pr.experiment == "datalive-forecast-qa-pr-12"


def test_a_tracking_server_url_must_be_http() -> None:
    from da_platform.env import SettingsError, load_settings

    with pytest.raises(SettingsError, match="DATALIVE_MLFLOW_URI_QA"):
        load_settings({"DATALIVE_MLFLOW_URI_QA": "file:///tmp/mlruns"})


def test_rollback_points_the_champion_at_the_version_before_it(dev: TrackingTarget) -> None:
    from da_platform.forecast.tracking import rollback

    first = log_candidate(dev, FAST, metrics_table(1.10, 1.30))
    second = log_candidate(dev, ForecastConfig(inner_origins=6), metrics_table(1.00, 1.20))
    set_champion(dev, second.version)

    done = rollback(dev)

    assert (done.from_version, done.to_version) == ("2", "1")
    current = champion(dev)
    assert current is not None and current.version == first.version
    assert load_champion_config(dev) == FAST


def test_rollback_of_the_first_version_or_without_a_champion_is_refused_and_changes_nothing(
    dev: TrackingTarget,
) -> None:
    from da_platform.forecast.tracking import RollbackRefused, rollback

    with pytest.raises(RollbackRefused, match="no 'champion'"):
        rollback(dev)
    first = log_candidate(dev, FAST, metrics_table(1.10, 1.30))
    set_champion(dev, first.version)
    with pytest.raises(RollbackRefused, match="version 1 is the first registered version"):
        rollback(dev)
    current = champion(dev)
    assert current is not None and current.version == "1"


def test_retention_deletes_old_runs_but_never_one_behind_a_registered_version(
    dev: TrackingTarget, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from mlflow import MlflowClient

    from da_platform.env import Retention
    from da_platform.lakehouse.delta_lake import LocalLake
    from da_platform.ops.retention import retention

    registered = log_candidate(dev, FAST, metrics_table(1.10, 1.30))
    client = MlflowClient(tracking_uri=dev.tracking_uri)
    experiment = client.get_experiment_by_name(dev.experiment).experiment_id
    stray = client.create_run(experiment).info.run_id
    lake = LocalLake(tmp_path / "home" / "dev" / "lake", "dev")
    policy = Retention(vacuum_horizon_days=7, mlflow_run_days=30, quarantine_days=90)

    assert retention(lake, policy, dev).mlflow_runs == []  # nothing is 30 days old yet
    later = datetime.now(UTC) + timedelta(days=31)
    dry = retention(lake, policy, dev, now=later)
    assert dry.mlflow_runs == [stray] and client.get_run(stray).info.lifecycle_stage == "active"

    applied = retention(lake, policy, dev, apply=True, now=later)

    assert applied.mlflow_runs == [stray] and client.get_run(stray).info.lifecycle_stage == "deleted"
    assert client.get_run(registered.run_id).info.lifecycle_stage == "active"
