"""The pending window: silver partitions behind bronze, gold partitions whose last build did not finish,
and the ranges the next run rebuilds (da_platform.pending, da_platform.lakehouse.build_state)."""

from __future__ import annotations

from datetime import date

import polars as pl

from da_platform.ingest.bronze import DAILY_TABLE
from da_platform.lakehouse import build_state
from da_platform.lakehouse.build_state import BuiltPartition, References
from da_platform.lakehouse.delta_lake import LocalLake
from da_platform.pending import (
    RunRecord,
    Stale,
    partition_keys_between,
    rebuild_ranges,
    stale_silver,
    unfinished_gold,
)

REFS = References(register="reg-1", monthly="mon-1")


def built(rows: int, refs: References = REFS) -> BuiltPartition:
    return BuiltPartition(rows, refs.register, refs.monthly)


# --- silver behind bronze -----------------------------------------------------------------------------------


def test_a_partition_whose_bronze_rows_silver_conformed_is_not_pending() -> None:
    assert stale_silver({"2016-03-01": 217}, {"2016-03-01": built(217)}, REFS) == []


def test_bronze_rows_appended_after_the_last_silver_build_make_their_partition_pending() -> None:
    stale = stale_silver(
        {"2016-02-01": 203, "2016-03-01": 434}, {"2016-02-01": built(203), "2016-03-01": built(217)}, REFS
    )
    assert stale == [Stale("2016-03-01", "silver", "bronze holds 434 rows, silver was built from 217")]


def test_a_partition_whose_silver_table_lost_a_commit_its_build_made_is_pending() -> None:
    state = {"2016-02-01": built(203), "2016-03-01": built(217)}
    versions = {"2016-02-01": {"silver/well_day_injection": 2}, "2016-03-01": {"silver/well_day_injection": 4}}
    stale = stale_silver(
        {"2016-02-01": 203, "2016-03-01": 217}, state, REFS, versions, {"silver/well_day_injection": 3}
    )
    assert [(s.key, s.layer) for s in stale] == [("2016-03-01", "silver")]
    assert "at version 3, below the version 4" in stale[0].reason


def test_a_silver_table_that_lost_every_commit_makes_its_partitions_pending() -> None:
    versions = {"2016-03-01": {"silver/well_day_injection": 0}}
    stale = stale_silver({"2016-03-01": 217}, {"2016-03-01": built(217)}, REFS, versions, {})
    assert [s.key for s in stale] == ["2016-03-01"] and "lost every commit" in stale[0].reason


def test_a_silver_table_at_or_above_its_recorded_version_is_not_pending() -> None:
    versions = {"2016-03-01": {"silver/well_day_injection": 4}}
    current = {"silver/well_day_injection": 6}  # a restore or an optimize since adds commits, never loses one
    assert stale_silver({"2016-03-01": 217}, {"2016-03-01": built(217)}, REFS, versions, current) == []


def test_a_partition_silver_never_recorded_is_pending() -> None:
    assert [s.key for s in stale_silver({"2016-03-01": 217}, {}, REFS)] == ["2016-03-01"]


def test_a_new_register_makes_every_partition_pending() -> None:
    state = {"2016-02-01": built(203), "2016-03-01": built(217)}
    stale = stale_silver({"2016-02-01": 203, "2016-03-01": 217}, state, References("reg-2", "mon-1"))
    assert [(s.key, s.reason) for s in stale] == [
        ("2016-02-01", "the well register changed since silver was built"),
        ("2016-03-01", "the well register changed since silver was built"),
    ]


def test_new_reported_monthly_totals_make_every_partition_pending() -> None:
    stale = stale_silver({"2016-03-01": 217}, {"2016-03-01": built(217)}, References("reg-1", "mon-2"))
    assert [s.key for s in stale] == ["2016-03-01"]


# --- gold builds that did not finish ------------------------------------------------------------------------


def test_partitions_of_a_run_that_died_are_pending_until_a_later_run_succeeds() -> None:
    died = RunRecord("dead0000-run", "STARTED", "2016-02-01", "2016-03-01")
    assert [s.key for s in unfinished_gold([died], "monthly", set())] == ["2016-02-01", "2016-03-01"]
    later = RunRecord("good0000-run", "SUCCESS", "2016-03-01", "2016-03-01")
    stale = unfinished_gold([later, died], "monthly", set())  # newest first
    assert stale == [Stale("2016-02-01", "gold", "its last build, run dead0000, never finished (STARTED)")]


def test_a_failed_build_is_pending_even_when_an_older_one_succeeded() -> None:
    runs = [
        RunRecord("fail0000", "FAILURE", "2016-03-01", "2016-03-01"),
        RunRecord("ok", "SUCCESS", "2016-03-01", "2016-03-01"),
    ]
    assert unfinished_gold(runs, "monthly", set()) == [
        Stale("2016-03-01", "gold", "its last build, run fail0000, ended (FAILURE)")
    ]


def test_reading_runs_stops_once_every_known_partition_is_decided() -> None:
    def runs():
        yield RunRecord("ok", "SUCCESS", "2016-02-01", "2016-03-01")
        raise AssertionError("an older run was read although every partition was decided")

    assert unfinished_gold(runs(), "monthly", {"2016-02-01", "2016-03-01"}) == []


# --- the ranges the next run rebuilds -----------------------------------------------------------------------


def test_a_stale_silver_month_is_rebuilt_with_the_month_whose_gold_looks_back_into_it() -> None:
    stale = [Stale("2016-03-01", "silver", "x")]
    assert rebuild_ranges(stale, "monthly", data_last=date(2016, 9, 30)) == [("2016-03-01", "2016-04-01")]
    # never past the data
    assert rebuild_ranges(stale, "monthly", data_last=date(2016, 3, 31)) == [("2016-03-01", "2016-03-01")]


def test_a_stale_silver_day_is_rebuilt_with_the_29_days_after_it() -> None:
    ranges = rebuild_ranges([Stale("2016-03-14", "silver", "x")], "daily", data_last=date(2016, 9, 30))
    assert ranges == [("2016-03-14", "2016-04-12")]


def test_separate_stale_partitions_become_separate_runs_and_adjacent_ones_one_run() -> None:
    stale = [
        Stale("2010-05-01", "gold", "x"),
        Stale("2016-02-01", "gold", "x"),
        Stale("2016-03-01", "silver", "x"),
    ]
    assert rebuild_ranges(stale, "monthly", data_last=date(2016, 9, 30)) == [
        ("2010-05-01", "2010-05-01"),
        ("2016-02-01", "2016-04-01"),
    ]


def test_partition_keys_between_cross_a_year_end() -> None:
    assert partition_keys_between("monthly", "2015-11-01", "2016-02-01") == [
        "2015-11-01",
        "2015-12-01",
        "2016-01-01",
        "2016-02-01",
    ]


# --- the state recorded in the lake -------------------------------------------------------------------------


def test_bronze_rows_are_counted_per_partition_and_only_when_admitted(lake: LocalLake, volve_bronze) -> None:
    march = volve_bronze.filter(pl.col("production_date").dt.strftime("%Y-%m") == "2016-03")
    lake.append(DAILY_TABLE, march.with_columns(admitted=pl.col("source_row") % 2 == 0))
    admitted = int((march["source_row"] % 2 == 0).sum())
    assert build_state.bronze_rows_by_partition(lake, "monthly") == {"2016-03-01": admitted}
    daily = build_state.bronze_rows_by_partition(lake, "daily", date(2016, 3, 14), date(2016, 3, 14))
    assert list(daily) == ["2016-03-14"]


def test_a_recorded_build_replaces_only_its_partitions(lake: LocalLake) -> None:
    build_state.record_build(lake, ["2016-02-01", "2016-03-01"], {"2016-02-01": 5, "2016-03-01": 7}, REFS, 3, "run-a")
    build_state.record_build(lake, ["2016-03-01"], {"2016-03-01": 9}, References("reg-2", "mon-1"), 4, "run-b")
    state = build_state.read_state(lake)
    assert state == {
        "2016-02-01": BuiltPartition(5, "reg-1", "mon-1", "run-a"),
        "2016-03-01": BuiltPartition(9, "reg-2", "mon-1", "run-b"),
    }


def test_a_deleted_latest_commit_file_reads_below_the_version_the_build_recorded(lake: LocalLake) -> None:
    table = "silver/well_day_injection"
    frame = pl.DataFrame({"production_date": [date(2016, 3, 1)], "value": [1.0]})
    lake.append(table, frame)
    lake.append(table, frame)
    build_state.record_versions(lake, ["2016-03-01"], build_state.current_versions(lake, [table]))
    recorded = build_state.read_versions(lake)
    assert recorded == {"2016-03-01": {table: 1}}

    (lake.path(table) / "_delta_log" / f"{1:020d}.json").unlink()

    current = build_state.current_versions(lake, [table])
    assert current == {table: 0}
    assert [s.key for s in stale_silver({"2016-03-01": 1}, {"2016-03-01": built(1)}, REFS, recorded, current)] == [
        "2016-03-01"
    ]


def test_the_register_fingerprint_ignores_row_order_but_not_content(volve_register: pl.DataFrame) -> None:
    same = build_state.register_fingerprint(volve_register.reverse())
    assert same == build_state.register_fingerprint(volve_register)
    changed = volve_register.with_columns(
        status=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("closed")).otherwise("status")
    )
    assert build_state.register_fingerprint(changed) != same


def test_daily_files_raw_holds_but_bronze_neither_parsed_nor_rejected_are_unparsed(
    lake: LocalLake, volve_bronze
) -> None:
    from datetime import UTC, datetime

    from da_platform.ingest import raw_zone
    from da_platform.lakehouse.cleaning import file_rejection

    def entry(name: str, sha: str, kind: str = "daily") -> dict:
        arrived = datetime(2026, 12, 1, tzinfo=UTC)
        paths = {"file_name": name, "source_path": name, "raw_path": name}
        return {"sha256": sha, "kind": kind, **paths, "size_bytes": 1, "version": 1, "arrived_at": arrived}

    rows = [
        entry("parsed.csv", "a"),
        entry("bomb.xlsx", "b"),
        entry("new.csv", "c"),
        entry("register.csv", "d", "reference"),
    ]
    lake.append(raw_zone.MANIFEST_TABLE, pl.DataFrame(rows, schema=raw_zone.MANIFEST_SCHEMA))
    parsed = volve_bronze.head(3).with_columns(source_file=pl.lit("parsed.csv"), source_version=pl.lit(1, pl.Int64()))
    lake.append(DAILY_TABLE, parsed.with_columns(admitted=pl.lit(True)))
    lake.append(build_state.BRONZE_REJECTIONS, file_rejection("bomb.xlsx", "b", "FILE_FORMAT", "not a workbook", None))
    assert build_state.unparsed_daily_files(lake) == ["new.csv (version 1)"]


# --- the Dagster instance adapters ------------------------------------------------------------------------


def test_a_run_left_started_by_a_dead_datalive_is_found_marked_failed_and_its_partition_stays_pending() -> None:
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRun

    from da_platform.pending import (
        LAUNCHED_BY_TAG,
        RANGE_END,
        RANGE_START,
        abandoned_runs,
        mark_abandoned,
        planned_builds,
    )

    instance = dg.DagsterInstance.ephemeral()
    for run_id, status, start, end in [
        ("a" * 32, dg.DagsterRunStatus.SUCCESS, "2016-02-01", "2016-03-01"),
        ("b" * 32, dg.DagsterRunStatus.STARTED, "2016-03-01", "2016-03-01"),
    ]:
        tags = {RANGE_START: start, RANGE_END: end, LAUNCHED_BY_TAG: "cli"}
        instance.add_run(DagsterRun(job_name="daily_job", run_id=run_id, status=status, tags=tags))
    instance.add_run(DagsterRun(job_name="forecast_job", run_id="c" * 32, status=dg.DagsterRunStatus.STARTED))

    assert [r.run_id for r in planned_builds(instance)] == ["b" * 32, "a" * 32]  # newest first, daily_job only
    left = abandoned_runs(instance)
    assert [r.run_id for r in left] == ["b" * 32]
    assert mark_abandoned(instance, left)[0].startswith("run bbbbbbbb (daily_job) left STARTED by datalive")
    assert instance.get_run_by_id("b" * 32).status == dg.DagsterRunStatus.FAILURE
    assert unfinished_gold(planned_builds(instance), "monthly", {"2016-02-01", "2016-03-01"}) == [
        Stale("2016-03-01", "gold", "its last build, run bbbbbbbb, ended (FAILURE)")
    ]
