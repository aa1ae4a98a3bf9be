"""The landing sensor, the new-days sensor and the daily schedule."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import dagster as dg

from da_platform.defs.automation import (
    RANGE_END,
    RANGE_START,
    build_daily_refresh,
    changed_files,
    days_run_request,
    landing_sensor,
)
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


def test_many_files_arriving_at_once_are_all_reported(tmp_path: Path) -> None:
    for i in range(25):
        land(tmp_path, f"daily/report_{i:02d}.csv", f"DATEPRD\n2014-05-{i + 1:02d}\n")
    changed, cursor = changed_files(tmp_path, {})
    assert len(changed) == 25
    assert set(cursor) == {f"daily/report_{i:02d}.csv" for i in range(25)}


def test_unchanged_files_are_not_reported_again(tmp_path: Path) -> None:
    land(tmp_path, "daily/a.csv", "x\n")
    _, cursor = changed_files(tmp_path, {})
    changed, _ = changed_files(tmp_path, cursor)
    assert changed == []


def test_a_file_rewritten_with_new_bytes_is_reported_with_its_new_hash(tmp_path: Path) -> None:
    path = land(tmp_path, "daily/a.csv", "x\n")
    first, cursor = changed_files(tmp_path, {})
    path.write_text("y\n", encoding="utf-8")
    second, _ = changed_files(tmp_path, cursor)
    assert [p for p, _ in second] == ["daily/a.csv"]
    assert second[0][1] != first[0][1]


def test_files_outside_the_landing_convention_are_ignored(tmp_path: Path) -> None:
    land(tmp_path, "notes/readme.txt", "x")
    land(tmp_path, "stray.csv", "x")
    assert changed_files(tmp_path, {})[0] == []


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


def test_new_days_become_one_run_over_the_partitions_that_hold_them() -> None:
    metadata = {"first_date": dg.MetadataValue.text("2014-04-07"), "last_date": dg.MetadataValue.text("2014-05-31")}
    monthly = days_run_request(metadata, 17, "monthly", data_last="2014-05-31")
    assert monthly.tags[RANGE_START] == "2014-04-01"
    assert monthly.tags[RANGE_END] == "2014-05-01"
    assert monthly.run_key == "days:17"
    daily = days_run_request(metadata, 17, "daily", data_last="2014-05-31")
    assert (daily.tags[RANGE_START], daily.tags[RANGE_END]) == ("2014-04-07", "2014-05-31")


def test_days_whose_moving_averages_look_back_into_changed_days_are_rebuilt_too() -> None:
    metadata = {"first_date": dg.MetadataValue.text("2014-05-20"), "last_date": dg.MetadataValue.text("2014-05-20")}
    daily = days_run_request(metadata, 5, "daily", data_last="2016-12-01")
    assert (daily.tags[RANGE_START], daily.tags[RANGE_END]) == ("2014-05-20", "2014-06-18")
    monthly = days_run_request(metadata, 5, "monthly", data_last="2016-12-01")
    assert (monthly.tags[RANGE_START], monthly.tags[RANGE_END]) == ("2014-05-01", "2014-06-01")
    at_the_end = days_run_request(metadata, 5, "daily", data_last="2014-05-25")
    assert at_the_end.tags[RANGE_END] == "2014-05-25"


def test_bronze_without_dated_rows_starts_no_run() -> None:
    empty = {"first_date": dg.MetadataValue.text(""), "last_date": dg.MetadataValue.text("")}
    assert isinstance(days_run_request(empty, 3, "monthly"), dg.SkipReason)
