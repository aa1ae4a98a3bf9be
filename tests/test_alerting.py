"""Alerts end to end: a failed run and a landing that stops each reach a local webhook exactly once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from da_platform.defs.ops.observability import (
    build_freshness_alert_sensor,
    build_freshness_checks,
    build_run_failure_alert_sensor,
)
from da_platform.defs.resources import build_resources
from da_platform.env import Settings, load_settings
from da_platform.lakehouse.delta_lake import open_lake
from da_platform.ops.freshness import GOLD_TABLE, SILVER_TABLE
from tests.helpers import DAILY_CSV

DB_PASSWORD, LLM_KEY = "hunter2-db-pass", "sk-live-abcdef123456"


class Webhook:
    """An http.server on 127.0.0.1 that records every JSON body POSTed to it."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/tok3n"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


def _settings(home: Path, webhook: Webhook, **environ: str) -> Settings:
    return load_settings(
        {
            "DATALIVE_HOME": str(home),
            "DATALIVE_ALERT_WEBHOOK_URL": webhook.url,
            "DATALIVE_DAGSTER_URL": "https://dagster.example.org/prod",
            "DATALIVE_VECTOR_DSN": f"postgresql://rag:{DB_PASSWORD}@db.internal:5432/rag",
            "DATALIVE_LLM_API_KEY": LLM_KEY,
            **environ,
        }
    )


@dg.op
def load_night(context) -> None:
    raise RuntimeError(f"could not reach postgresql://rag:{DB_PASSWORD}@db.internal/rag (api_key={LLM_KEY})")


@dg.job
def nightly_job() -> None:
    load_night()


def _tick(sensor: dg.SensorDefinition, instance, defs: dg.Definitions, cursor: str | None):
    context = dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor, resources=defs.resources)
    return sensor.evaluate_tick(context)


def test_a_failed_run_alerts_once_with_its_link_and_no_secret(tmp_path: Path, webhook: Webhook) -> None:
    settings = _settings(tmp_path / "home", webhook, DA_ENV="qa")
    sensor = build_run_failure_alert_sensor(settings)
    defs = dg.Definitions(jobs=[nightly_job], sensors=[sensor])
    with dg.instance_for_test() as instance:
        cursor = _tick(sensor, instance, defs, None).cursor  # the sensor starts: nothing has failed yet
        assert webhook.received == []
        run = nightly_job.execute_in_process(instance=instance, raise_on_error=False)
        assert not run.success
        cursor = _tick(sensor, instance, defs, cursor).cursor
        assert len(webhook.received) == 1
        _tick(sensor, instance, defs, cursor)  # the next tick: the same failure is not sent again
    assert len(webhook.received) == 1
    alert = webhook.received[0]
    assert alert["kind"] == "run_failure" and alert["environment"] == "qa" and alert["severity"] == "warning"
    assert alert["job"] == "nightly_job" and alert["run_id"] == run.run_id
    assert alert["link"] == f"https://dagster.example.org/prod/runs/{run.run_id}"
    assert "could not reach" in alert["detail"] and alert["text"].startswith("[WARNING] qa: run of nightly_job failed")
    body = json.dumps(alert)
    for secret in (DB_PASSWORD, LLM_KEY, "tok3n"):
        assert secret not in body


def _volve_days(last: str, days: int) -> pl.DataFrame:
    """The Volve well-days of the ``days`` production days up to ``last`` (well and date only)."""
    first = (date.fromisoformat(last) - timedelta(days=days - 1)).isoformat()
    rows = pl.read_csv(DAILY_CSV, columns=["DATEPRD", "NPD_WELL_BORE_NAME"], try_parse_dates=False)
    rows = rows.with_columns(production_date=pl.col("DATEPRD").str.slice(0, 10).str.to_date())
    rows = rows.filter(pl.col("production_date").is_between(date.fromisoformat(first), date.fromisoformat(last)))
    assert rows.height > 0
    return rows.select(well_id=pl.col("NPD_WELL_BORE_NAME"), production_date="production_date")


def _land_until(settings: Settings, last: str) -> None:
    """Silver and gold holding Volve's well-days up to ``last`` (what a run leaves, reduced to the dates)."""
    days = _volve_days(last, 5)
    open_lake(settings).overwrite(SILVER_TABLE, days)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS gold")
        con.execute(f"CREATE OR REPLACE TABLE gold.{GOLD_TABLE} AS SELECT * FROM days")


def test_a_landing_that_stops_alerts_once_and_again_only_after_it_recovered(tmp_path: Path, webhook: Webhook) -> None:
    settings = _settings(tmp_path / "home", webhook, DATALIVE_FRESHNESS_WINDOW_HOURS="30")
    _land_until(settings, "2016-03-10")
    now = {"t": datetime(2016, 3, 11, 20, tzinfo=UTC)}  # 20 h after 2016-03-10 ended: within the window
    sensor = build_freshness_alert_sensor(settings, clock=lambda: now["t"])
    resources = build_resources(settings)
    defs = dg.Definitions(sensors=[sensor], resources={"lake": resources["lake"], "warehouse": resources["warehouse"]})
    with dg.instance_for_test() as instance:
        cursor = _tick(sensor, instance, defs, None).cursor
        assert webhook.received == []
        now["t"] = datetime(2016, 3, 13, 8, tzinfo=UTC)  # 03-11 fell due at 03-13 06:00: the landing stopped
        cursor = _tick(sensor, instance, defs, cursor).cursor
        assert len(webhook.received) == 1
        now["t"] += timedelta(hours=6)
        cursor = _tick(sensor, instance, defs, cursor).cursor  # still stale: no second alert
        assert len(webhook.received) == 1
        _land_until(settings, "2016-03-13")  # the landing resumes: fresh again, nothing sent
        cursor = _tick(sensor, instance, defs, cursor).cursor
        assert len(webhook.received) == 1
        now["t"] = datetime(2016, 3, 17, 8, tzinfo=UTC)  # and stops again: a new breach, a new alert
        _tick(sensor, instance, defs, cursor)
        assert len(webhook.received) == 2
    alert = webhook.received[0]
    assert alert["kind"] == "freshness_breach" and alert["severity"] == "info" and alert["environment"] == "dev"
    assert alert["asset"] == "silver/well_day_production"  # the upstream layer; gold is named in the text
    assert "2016-03-10" in alert["detail"] and "2016-03-11" in alert["detail"] and "gold" in alert["detail"]
    assert alert["link"] == "https://dagster.example.org/prod/assets/silver/well_day_production"
    assert DB_PASSWORD not in json.dumps(webhook.received) and "tok3n" not in json.dumps(webhook.received)


def test_freshness_checks_record_a_stale_silver_and_a_fresh_gold_in_the_instance(
    tmp_path: Path, webhook: Webhook
) -> None:
    settings = _settings(tmp_path / "home", webhook, DATALIVE_FRESHNESS_WINDOW_HOURS="30")
    _land_until(settings, "2016-03-10")
    open_lake(settings).overwrite(SILVER_TABLE, _volve_days("2016-03-05", 3))  # silver lost its last days
    checks = build_freshness_checks(settings, clock=lambda: datetime(2016, 3, 11, 20, tzinfo=UTC))
    resources = build_resources(settings)
    silver, gold = (dg.AssetSpec(["silver", "well_day_production"]), dg.AssetSpec(["gold", GOLD_TABLE]))
    defs = dg.Definitions(
        assets=[silver, gold],
        asset_checks=[checks],
        resources={"lake": resources["lake"], "warehouse": resources["warehouse"]},
    )
    with dg.instance_for_test() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, raise_on_error=False
        )
        evaluations = {e.asset_key.path[0]: e for e in result.get_asset_check_evaluations()}
    assert evaluations["gold"].passed is True
    assert evaluations["silver"].passed is False and evaluations["silver"].severity == dg.AssetCheckSeverity.WARN
    assert "2016-03-05" in evaluations["silver"].description
    assert (
        evaluations["gold"].metadata["dagster/fresh_until_timestamp"].value
        == datetime(2016, 3, 13, 6, tzinfo=UTC).timestamp()
    )


def test_an_alert_the_route_refused_is_sent_on_the_next_tick_not_lost(tmp_path: Path, webhook: Webhook) -> None:
    settings = _settings(tmp_path / "home", webhook, DATALIVE_FRESHNESS_WINDOW_HOURS="30")
    _land_until(settings, "2016-03-10")
    sensor = build_freshness_alert_sensor(settings, clock=lambda: datetime(2016, 3, 13, 8, tzinfo=UTC), timeout=2)
    resources = build_resources(settings)
    defs = dg.Definitions(sensors=[sensor], resources={"lake": resources["lake"], "warehouse": resources["warehouse"]})
    webhook.close()  # the channel is down
    with dg.instance_for_test() as instance:
        with pytest.raises(Exception, match="alert webhook is unreachable"):
            _tick(sensor, instance, defs, None)
        restarted = Webhook()
        try:
            sensor = build_freshness_alert_sensor(
                replace(settings, alert_webhook_url=restarted.url), clock=lambda: datetime(2016, 3, 13, 8, tzinfo=UTC)
            )
            cursor = _tick(sensor, instance, defs, None).cursor  # the failed tick left the cursor where it was
            _tick(sensor, instance, defs, cursor)
            assert len(restarted.received) == 1 and restarted.received[0]["kind"] == "freshness_breach"
        finally:
            restarted.close()


def test_dagster_freshness_sensor_asks_for_both_checks_before_their_first_evaluation(
    tmp_path: Path, webhook: Webhook
) -> None:
    from da_platform.defs.ops.observability import build_freshness_sensor

    settings = _settings(tmp_path / "home", webhook)
    checks = build_freshness_checks(settings)
    sensor = build_freshness_sensor(settings, checks)
    silver, gold = (dg.AssetSpec(["silver", "well_day_production"]), dg.AssetSpec(["gold", GOLD_TABLE]))
    resources = build_resources(settings)
    defs = dg.Definitions(
        assets=[silver, gold],
        asset_checks=[checks],
        sensors=[sensor],
        resources={"lake": resources["lake"], "warehouse": resources["warehouse"]},
    )
    with dg.instance_for_test() as instance:
        [request] = _tick(sensor, instance, defs, None).run_requests
    assert {k.to_user_string() for k in request.asset_check_keys} == {
        "silver/well_day_production:freshness_check",
        f"gold/{GOLD_TABLE}:freshness_check",
    }


def test_a_warehouse_that_cannot_be_read_is_not_paged_as_stale_gold(tmp_path: Path, webhook: Webhook) -> None:
    settings = _settings(tmp_path / "home", webhook, DATALIVE_FRESHNESS_WINDOW_HOURS="30")
    _land_until(settings, "2016-03-12")
    sensor = build_freshness_alert_sensor(settings, clock=lambda: datetime(2016, 3, 13, 8, tzinfo=UTC))
    resources = build_resources(settings)
    defs = dg.Definitions(sensors=[sensor], resources={"lake": resources["lake"], "warehouse": resources["warehouse"]})
    settings.warehouse_path.write_bytes(b"not a duckdb file")  # unreadable, as a locked or broken warehouse is
    with dg.instance_for_test() as instance:
        cursor = _tick(sensor, instance, defs, None).cursor
        assert webhook.received == []  # silver is fresh; gold is unknown, not stale
        settings.warehouse_path.unlink()
        with duckdb.connect(str(settings.warehouse_path)) as con:  # readable again, but two days behind silver
            days = _volve_days("2016-03-10", 3)  # noqa: F841 (read by DuckDB below)
            con.execute(f"CREATE SCHEMA gold; CREATE TABLE gold.{GOLD_TABLE} AS SELECT * FROM days")
        _tick(sensor, instance, defs, cursor)
    [alert] = webhook.received
    assert alert["asset"] == f"gold/{GOLD_TABLE}" and "2016-03-10" in alert["detail"]
