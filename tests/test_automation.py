"""The landing sensor and the daily schedule as Dagster evaluates them (their triggers: unit/test_triggers.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import dagster as dg

from da_platform.defs.ingest.automation import landing_sensor
from da_platform.defs.lakehouse.automation import build_daily_refresh
from da_platform.defs.resources import PlatformResource


def platform(landing: Path) -> PlatformResource:
    return PlatformResource(
        env="dev", landing_dir=str(landing), partitions_start="2007-09-01", max_quarantine_ratio=0.05
    )


def land(landing: Path, relative: str, text: str) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_sensor_requests_one_run_keyed_by_paths_and_hashes_and_its_cursor_survives(tmp_path: Path) -> None:
    land(tmp_path, "daily/a.csv", "x\n")
    land(tmp_path, "daily/b.csv", "y\n")
    with dg.build_sensor_context(resources={"platform": platform(tmp_path)}) as context:
        result = landing_sensor(context)
    assert len(result.run_requests) == 1
    first_key = result.run_requests[0].run_key
    # A restarted daemon hands the stored cursor back: nothing new, no run.
    with dg.build_sensor_context(cursor=result.cursor, resources={"platform": platform(tmp_path)}) as context:
        assert landing_sensor(context).run_requests == []
    land(tmp_path, "daily/c.csv", "z\n")
    with dg.build_sensor_context(cursor=result.cursor, resources={"platform": platform(tmp_path)}) as context:
        again = landing_sensor(context)
    assert len(again.run_requests) == 1
    assert again.run_requests[0].run_key != first_key
    assert "daily/c.csv" in json.loads(again.cursor)


def test_daily_schedule_rebuilds_the_month_holding_yesterday() -> None:
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2016, 5, 1, 6, 0))
    request = build_daily_refresh("monthly")(context)
    assert request.partition_key == "2016-04-01"


def test_daily_schedule_with_daily_partitions_rebuilds_yesterday() -> None:
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2016, 5, 1, 6, 0))
    assert build_daily_refresh("daily")(context).partition_key == "2016-04-30"
