"""The triggers: what each way of starting a build asks to run (landing, new days, reference change, daily
refresh, the pending window)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl

from da_platform import triggers
from da_platform.catalog import BRONZE_DAILY
from da_platform.lakehouse.delta_lake import LocalLake
from da_platform.pending import RANGE_END, RANGE_START, Pending


def land(landing: Path, relative: str, text: str) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def text(value: str) -> dg.MetadataValue:
    return dg.MetadataValue.text(value)


# --- landing ---------------------------------------------------------------------------------------------


def test_many_files_arriving_at_once_are_all_reported(tmp_path: Path) -> None:
    for i in range(25):
        land(tmp_path, f"daily/report_{i:02d}.csv", f"DATEPRD\n2014-05-{i + 1:02d}\n")
    changed, cursor = triggers.changed_files(tmp_path, {})
    assert len(changed) == 25
    assert set(cursor) == {f"daily/report_{i:02d}.csv" for i in range(25)}


def test_unchanged_files_are_not_reported_again(tmp_path: Path) -> None:
    land(tmp_path, "daily/a.csv", "x\n")
    _, cursor = triggers.changed_files(tmp_path, {})
    changed, _ = triggers.changed_files(tmp_path, cursor)
    assert changed == []


def test_a_file_rewritten_with_new_bytes_is_reported_with_its_new_hash(tmp_path: Path) -> None:
    path = land(tmp_path, "daily/a.csv", "x\n")
    first, cursor = triggers.changed_files(tmp_path, {})
    path.write_text("y\n", encoding="utf-8")
    second, _ = triggers.changed_files(tmp_path, cursor)
    assert [p for p, _ in second] == ["daily/a.csv"]
    assert second[0][1] != first[0][1]


def test_files_outside_the_landing_convention_are_ignored(tmp_path: Path) -> None:
    land(tmp_path, "notes/readme.txt", "x")
    land(tmp_path, "stray.csv", "x")
    assert triggers.changed_files(tmp_path, {})[0] == []


def test_a_batch_of_changed_files_is_one_ingest_request_counting_them() -> None:
    requests = triggers.landing_requests([("daily/a.csv", "aa"), ("daily/b.csv", "bb")])
    assert len(requests) == 1
    assert requests[0].tags[triggers.FILES_TAG] == "2"


def test_the_same_batch_gets_the_same_run_key_and_another_hash_another() -> None:
    first = triggers.landing_requests([("daily/a.csv", "aa")])[0].run_key
    again = triggers.landing_requests([("daily/a.csv", "aa")])[0].run_key
    edited = triggers.landing_requests([("daily/a.csv", "ab")])[0].run_key
    assert first == again
    assert edited != first


def test_no_changed_files_request_no_ingest() -> None:
    assert triggers.landing_requests([]) == []


def test_the_landing_trigger_requests_nothing_for_a_folder_it_already_scanned(tmp_path: Path) -> None:
    land(tmp_path, "daily/a.csv", "x\n")
    requests, cursor = triggers.landing(tmp_path, {})
    assert len(requests) == 1
    assert triggers.landing(tmp_path, cursor)[0] == []


# --- new days --------------------------------------------------------------------------------------------


def test_new_days_become_one_run_over_the_months_that_hold_them() -> None:
    metadata = {"first_date": text("2014-04-07"), "last_date": text("2014-05-31")}
    monthly = triggers.new_days(metadata, 17, "monthly", data_last="2014-05-31")
    assert (monthly.tags[RANGE_START], monthly.tags[RANGE_END]) == ("2014-04-01", "2014-05-01")
    assert monthly.run_key == "days:17"


def test_new_days_with_daily_partitions_become_one_run_over_those_days() -> None:
    metadata = {"first_date": text("2014-04-07"), "last_date": text("2014-05-31")}
    daily = triggers.new_days(metadata, 17, "daily", data_last="2014-05-31")
    assert (daily.tags[RANGE_START], daily.tags[RANGE_END]) == ("2014-04-07", "2014-05-31")


def test_days_whose_moving_averages_look_back_into_new_days_are_rebuilt_too() -> None:
    metadata = {"first_date": text("2014-05-20"), "last_date": text("2014-05-20")}
    daily = triggers.new_days(metadata, 5, "daily", data_last="2016-12-01")
    assert (daily.tags[RANGE_START], daily.tags[RANGE_END]) == ("2014-05-20", "2014-06-18")
    monthly = triggers.new_days(metadata, 5, "monthly", data_last="2016-12-01")
    assert (monthly.tags[RANGE_START], monthly.tags[RANGE_END]) == ("2014-05-01", "2014-06-01")


def test_the_look_back_days_stop_at_the_last_admitted_day() -> None:
    metadata = {"first_date": text("2014-05-20"), "last_date": text("2014-05-20")}
    assert triggers.new_days(metadata, 5, "daily", data_last="2014-05-25").tags[RANGE_END] == "2014-05-25"


def test_bronze_without_dated_rows_starts_no_run() -> None:
    empty = {"first_date": text(""), "last_date": text("")}
    assert isinstance(triggers.new_days(empty, 3, "monthly"), dg.SkipReason)


# --- reference change ------------------------------------------------------------------------------------


def admit(lake: LocalLake, bronze: pl.DataFrame, month: str) -> None:
    """Bronze rows of one month (YYYY-MM), admitted."""
    rows = bronze.filter(pl.col("production_date").dt.strftime("%Y-%m") == month)
    lake.append(BRONZE_DAILY.path, rows.with_columns(admitted=pl.lit(True)))


def test_a_landed_register_rebuilds_every_admitted_month(lake: LocalLake, volve_bronze: pl.DataFrame) -> None:
    admit(lake, volve_bronze, "2014-04")
    admit(lake, volve_bronze, "2016-03")
    request = triggers.reference_change(["daily", "reference"], lake, 9, "monthly")
    # (with the look-back month after the last admitted day, as every rebuild of a day carries it)
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2014-04-01", "2016-04-01")
    assert request.run_key == "days:9"


def test_a_landed_monthly_sheet_is_a_reference_change(lake: LocalLake, volve_bronze: pl.DataFrame) -> None:
    admit(lake, volve_bronze, "2016-03")
    assert isinstance(triggers.reference_change(["monthly"], lake, 9, "monthly"), dg.RunRequest)


def test_only_daily_files_landing_is_no_reference_change(lake: LocalLake) -> None:
    skip = triggers.reference_change(["daily"], lake, 9, "monthly")
    assert isinstance(skip, dg.SkipReason)
    assert "kinds: ['daily']" in skip.skip_message


def test_a_register_landing_before_any_admitted_day_starts_no_run(lake: LocalLake) -> None:
    assert isinstance(triggers.reference_change(["reference"], lake, 9, "monthly"), dg.SkipReason)


# --- daily refresh ---------------------------------------------------------------------------------------


def test_the_daily_refresh_rebuilds_the_month_holding_yesterday() -> None:
    assert triggers.daily_refresh(datetime(2016, 5, 1, 6, 0), "monthly").partition_key == "2016-04-01"


def test_the_daily_refresh_with_daily_partitions_rebuilds_yesterday() -> None:
    assert triggers.daily_refresh(datetime(2016, 5, 1, 6, 0), "daily").partition_key == "2016-04-30"


# --- the pending window ----------------------------------------------------------------------------------


def test_each_pending_range_is_one_range_request_in_order() -> None:
    pending = Pending(ranges=(("2014-04-01", "2014-05-01"), ("2016-01-01", "2016-01-01")))
    requests = triggers.pending_window(pending)
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in requests] == list(pending.ranges)


def test_nothing_pending_requests_no_run() -> None:
    assert triggers.pending_window(Pending()) == []
