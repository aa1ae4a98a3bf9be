"""Alert settings, routing, severity and redaction; freshness verdicts (pure logic, no Dagster)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from da_platform.env import SettingsError, load_settings
from da_platform.ops import alerts
from da_platform.ops.freshness import due_day, evaluate, hours_since_day_end


def _settings(tmp_path: Path, **environ: str):
    return load_settings({"DATALIVE_HOME": str(tmp_path), **environ})


@pytest.mark.parametrize(
    ("env", "severity", "window"), [("dev", "info", 168), ("qa", "warning", 54), ("prod", "critical", 30)]
)
def test_each_environment_has_its_severity_and_freshness_window(tmp_path: Path, env, severity, window) -> None:
    settings = _settings(tmp_path, DA_ENV=env)
    assert alerts.severity_for(settings) == severity
    assert settings.freshness_window_hours == window


def test_the_freshness_window_can_be_set_and_must_be_a_positive_number(tmp_path: Path) -> None:
    assert _settings(tmp_path, DATALIVE_FRESHNESS_WINDOW_HOURS="12").freshness_window_hours == 12
    with pytest.raises(SettingsError, match="DATALIVE_FRESHNESS_WINDOW_HOURS"):
        _settings(tmp_path, DATALIVE_FRESHNESS_WINDOW_HOURS="-3")


def test_the_route_is_the_webhook_then_sns_then_a_log_line(tmp_path: Path) -> None:
    topic = "arn:aws:sns:eu-north-1:123456789012:datalive-prod-alerts"
    assert _settings(tmp_path).alert_route == "log"
    assert _settings(tmp_path, DATALIVE_ALERT_SNS_TOPIC_ARN=topic).alert_route == "sns"
    both = _settings(tmp_path, DATALIVE_ALERT_SNS_TOPIC_ARN=topic, DATALIVE_ALERT_WEBHOOK_URL="https://hooks.example/x")
    assert both.alert_route == "webhook"


@pytest.mark.parametrize(
    "url",
    ["hooks.slack.com/services/T0/B0/s3cr3tT0ken", "http://hooks.example.org/s3cr3tT0ken", "ftp://x/s3cr3tT0ken"],
)
def test_a_bad_webhook_url_is_a_settings_error_that_does_not_echo_it(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match="DATALIVE_ALERT_WEBHOOK_URL") as raised:
        _settings(tmp_path, DATALIVE_ALERT_WEBHOOK_URL=url)
    assert "s3cr3tT0ken" not in str(raised.value)


def test_plain_http_webhooks_are_allowed_only_to_this_machine(tmp_path: Path) -> None:
    assert _settings(tmp_path, DATALIVE_ALERT_WEBHOOK_URL="http://127.0.0.1:9000/hook").alert_route == "webhook"
    assert "s3cr3t" not in repr(_settings(tmp_path, DATALIVE_ALERT_WEBHOOK_URL="https://h.example/s3cr3t"))


@pytest.mark.parametrize(
    "arn", ["arn:aws:sns:eu-north-1:123:short-account", "sns://topic", "arn:aws:sqs:eu-north-1:123456789012:q"]
)
def test_a_bad_sns_topic_is_a_settings_error(tmp_path: Path, arn: str) -> None:
    with pytest.raises(SettingsError, match="DATALIVE_ALERT_SNS_TOPIC_ARN"):
        _settings(tmp_path, DATALIVE_ALERT_SNS_TOPIC_ARN=arn)


def test_redaction_masks_known_values_url_credentials_pairs_and_keys() -> None:
    text = (
        "postgresql://rag:pa55word@db/rag failed; password=hunter2 token: abc123 "
        "AKIAABCDEFGHIJKLMNOP dlk_prod_k1_s3cretpart and sk-known-value"
    )
    out = alerts.redact(text, secrets=("sk-known-value",))
    for secret in ("pa55word", "hunter2", "abc123", "AKIAABCDEFGHIJKLMNOP", "s3cretpart", "sk-known-value"):
        assert secret not in out
    assert "postgresql://***@db/rag failed" in out


def test_a_run_failure_alert_carries_environment_pr_severity_and_the_run_link(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT="true",
        DAGSTER_CLOUD_PULL_REQUEST_ID="42",
        DATALIVE_DAGSTER_URL="https://acme.dagster.cloud/qa/",
        DATALIVE_LLM_API_KEY="sk-llm-0123456789",
    )
    alert = alerts.run_failure_alert(settings, job="daily_job", run_id="r-1", message="LLM refused sk-llm-0123456789")
    payload = alert.payload()
    assert payload["environment"] == "qa/pr-42" and payload["pr"] == "42" and payload["severity"] == "warning"
    assert payload["link"] == "https://acme.dagster.cloud/qa/runs/r-1"
    assert payload["text"].startswith("[WARNING] qa/pr-42: run of daily_job failed (daily_job)")
    assert "sk-llm-0123456789" not in json.dumps(payload)


def test_without_a_route_an_alert_is_one_log_line_at_its_severity(tmp_path: Path, caplog) -> None:
    settings = _settings(tmp_path, DA_ENV="prod")
    alert = alerts.freshness_alert(settings, asset="silver/well_day_production", description="silver is overdue")
    with caplog.at_level(logging.INFO, logger=alerts.LOGGER):
        assert alerts.deliver(alert, settings) == "log"
    [record] = caplog.records
    assert (
        record.levelno == logging.CRITICAL and json.loads(record.getMessage())["asset"] == "silver/well_day_production"
    )


def test_a_webhook_that_refuses_is_a_delivery_error_without_its_url(tmp_path: Path) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = _settings(tmp_path, DATALIVE_ALERT_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook/s3cr3tT0ken")
    alert = alerts.freshness_alert(settings, asset="gold/x", description="stale")
    with pytest.raises(alerts.AlertDeliveryError) as raised:
        alerts.deliver(alert, settings, timeout=2)
    assert "s3cr3tT0ken" not in str(raised.value)


def test_a_day_is_due_the_window_after_it_ends() -> None:
    # 2016-03-10 ends at 03-11 00:00; with 30 h it is due at 03-12 06:00.
    assert due_day(datetime(2016, 3, 12, 5, 59, tzinfo=UTC), 30) == date(2016, 3, 9)
    assert due_day(datetime(2016, 3, 12, 6, 0, tzinfo=UTC), 30) == date(2016, 3, 10)


def test_a_layer_missing_the_due_day_is_overdue_since_the_first_missing_day_fell_due() -> None:
    verdict = evaluate("silver", date(2016, 3, 10), datetime(2016, 3, 13, 8, tzinfo=UTC), 30)
    assert not verdict.fresh and verdict.due_day == date(2016, 3, 11)
    assert verdict.overdue_seconds == 2 * 3600  # 03-11 fell due at 03-13 06:00
    fresh = evaluate("gold", date(2016, 3, 11), datetime(2016, 3, 13, 8, tzinfo=UTC), 30)
    assert fresh.fresh and fresh.fresh_until == datetime(2016, 3, 14, 6, tzinfo=UTC)
    assert not evaluate("gold", None, datetime(2016, 3, 13, tzinfo=UTC), 30).fresh


def test_hours_since_a_day_count_from_its_end() -> None:
    assert hours_since_day_end(date(2016, 3, 10), datetime(2016, 3, 11, 6, tzinfo=UTC)) == 6
    assert hours_since_day_end(None, datetime(2016, 3, 11, tzinfo=UTC)) is None


@pytest.mark.parametrize("url", ["dagster.example.org", "https://user:pw@dagster.example.org", "https://x/a?b=1"])
def test_a_bad_dagster_base_url_is_a_settings_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match="DATALIVE_DAGSTER_URL") as raised:
        _settings(tmp_path, DATALIVE_DAGSTER_URL=url)
    assert url not in str(raised.value)
