"""The dev instance's event log: Dagster's SQLite files, written through connections kept open."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from da_platform.defs.event_log_storage import OPEN_SHARDS, PooledSqliteEventLogStorage, instance_yaml_section
from da_platform.env import load_settings
from da_platform.run_steps import INSTANCE_YAML, instance_home


@dg.asset
def wells() -> int:
    return 7


@dg.asset_check(asset=wells)
def seven_wells(wells: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=wells == 7)


@dg.asset_check(asset=wells)
def eight_wells(wells: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=wells == 8)


def pooled_instance(home: Path) -> dg.DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(INSTANCE_YAML + instance_yaml_section(home / "history" / "runs"))
    return dg.DagsterInstance.from_config(str(home))


def test_a_run_is_stored_where_dagsters_own_sqlite_storage_reads_it(tmp_path: Path) -> None:
    # materialize() runs the asset's checks with it; the stock class (a UI, a daemon) reads the same files.
    instance = pooled_instance(tmp_path / "dagster")
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    result = dg.materialize([wells, seven_wells, eight_wells], instance=instance, raise_on_error=False)
    stock = SqliteEventLogStorage(str(tmp_path / "dagster" / "history" / "runs"))
    types = [r.event_log_entry.dagster_event_type for r in stock.get_records_for_run(result.run_id).records]
    assert dg.DagsterEventType.ASSET_MATERIALIZATION in types and dg.DagsterEventType.RUN_SUCCESS in types
    latest = stock.get_latest_materialization_events([dg.AssetKey("wells")])[dg.AssetKey("wells")]
    assert latest is not None and latest.run_id == result.run_id  # the cross-run index, not just the run's file


def test_a_failed_check_is_recorded_as_failed_and_a_passed_one_as_passed(tmp_path: Path) -> None:
    instance = pooled_instance(tmp_path / "dagster")
    dg.materialize([wells, seven_wells, eight_wells], instance=instance, raise_on_error=False)
    status = {}
    for name in ("seven_wells", "eight_wells"):
        key = dg.AssetCheckKey(dg.AssetKey("wells"), name)
        (record,) = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
        status[name] = record.status.value
    assert status == {"seven_wells": "SUCCEEDED", "eight_wells": "FAILED"}


def test_at_most_a_few_run_databases_stay_open_and_a_closed_one_reopens(tmp_path: Path) -> None:
    instance = pooled_instance(tmp_path / "dagster")
    run_ids = [dg.materialize([wells], instance=instance).run_id for _ in range(OPEN_SHARDS + 2)]
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    assert len(storage._engines) <= OPEN_SHARDS
    first = [r.event_log_entry.dagster_event_type for r in storage.get_records_for_run(run_ids[0]).records]
    assert dg.DagsterEventType.RUN_SUCCESS in first


@pytest.fixture
def settings(isolated_env: Path):
    return load_settings()


def test_a_new_environment_home_gets_the_pooled_event_log(settings) -> None:
    home = instance_home(settings)
    instance = dg.DagsterInstance.from_config(str(home))
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    assert Path(instance.event_log_storage._base_dir) == home / "history" / "runs"


def test_a_file_an_older_datalive_wrote_is_upgraded_and_an_edited_one_is_left_alone(settings) -> None:
    config = settings.dagster_home / "dagster.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(INSTANCE_YAML)
    instance_home(settings)
    assert "PooledSqliteEventLogStorage" in config.read_text()
    edited = INSTANCE_YAML + "run_monitoring:\n  enabled: true\n"
    config.write_text(edited)
    instance_home(settings)
    assert config.read_text() == edited


def test_a_copied_home_writes_its_run_history_inside_the_copy(tmp_path: Path) -> None:
    original = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    first = dg.DagsterInstance.from_config(str(instance_home(original)))
    dg.materialize([wells, seven_wells], instance=first)
    first.dispose()
    shutil.copytree(tmp_path / "home", tmp_path / "copy")
    copy = load_settings({"DATALIVE_HOME": str(tmp_path / "copy")})

    instance = dg.DagsterInstance.from_config(str(instance_home(copy)))
    result = dg.materialize([wells, seven_wells], instance=instance)

    runs = copy.dagster_home / "history" / "runs"
    assert Path(instance.event_log_storage._base_dir) == runs
    assert f'base_dir: "{runs}"' in (copy.dagster_home / "dagster.yaml").read_text()
    assert SqliteEventLogStorage(str(runs)).get_records_for_run(result.run_id).records
    assert not (original.dagster_home / "history" / "runs" / f"{result.run_id}.db").exists()
    in_original = SqliteEventLogStorage(str(original.dagster_home / "history" / "runs"))
    latest = in_original.get_latest_materialization_events([dg.AssetKey("wells")])[dg.AssetKey("wells")]
    assert latest is not None and latest.run_id != result.run_id  # the original's index did not see the copy's run


def test_a_moved_home_keeps_the_edits_made_to_its_instance_file(tmp_path: Path) -> None:
    moved = load_settings({"DATALIVE_HOME": str(tmp_path / "moved")})
    config = moved.dagster_home / "dagster.yaml"
    config.parent.mkdir(parents=True)
    old_runs = tmp_path / "home" / "dev" / "dagster" / "history" / "runs"
    config.write_text(INSTANCE_YAML + instance_yaml_section(old_runs) + "run_monitoring:\n  enabled: true\n")

    instance_home(moved)

    assert config.read_text() == (
        INSTANCE_YAML
        + instance_yaml_section(moved.dagster_home / "history" / "runs")
        + "run_monitoring:\n  enabled: true\n"
    )


def test_an_event_log_placed_outside_any_datalive_home_on_purpose_is_left_there(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    config = settings.dagster_home / "dagster.yaml"
    config.parent.mkdir(parents=True)
    chosen = INSTANCE_YAML + instance_yaml_section(tmp_path / "shared-disk" / "events")
    config.write_text(chosen)

    instance_home(settings)

    assert config.read_text() == chosen


MONTHS = dg.MonthlyPartitionsDefinition(start_date="2024-01-01", end_date="2025-01-01")


@dg.asset(partitions_def=MONTHS, backfill_policy=dg.BackfillPolicy.single_run())
def monthly_wells() -> None:
    """One run over a range of months: one materialization per month, which Dagster hands over as a batch."""


def _range_run(instance: dg.DagsterInstance) -> str:
    result = dg.materialize(
        [monthly_wells],
        instance=instance,
        tags={"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-12-01"},
    )
    return result.run_id


def test_a_range_runs_materializations_are_stored_as_one_batch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")
    instance = pooled_instance(tmp_path / "dagster")
    batches: list[int] = []
    store_batch = PooledSqliteEventLogStorage.store_event_batch
    monkeypatch.setattr(
        PooledSqliteEventLogStorage,
        "store_event_batch",
        lambda self, events: (batches.append(len(events)), store_batch(self, events))[1],
    )
    _range_run(instance)
    assert batches and set(batches) == {12}  # (the planned events, then the materializations: 12 months each)
    stock = SqliteEventLogStorage(str(tmp_path / "dagster" / "history" / "runs"))
    stored = stock.get_materialized_partitions(dg.AssetKey("monthly_wells"))
    assert stored == set(MONTHS.get_partition_keys())


def test_a_batch_that_fails_part_way_commits_none_of_its_events(tmp_path: Path, monkeypatch) -> None:
    source = pooled_instance(tmp_path / "source")
    run_id = _range_run(source)
    events = [
        r.event_log_entry
        for r in source.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    ]
    assert len(events) == 12
    target = PooledSqliteEventLogStorage(str(tmp_path / "target"))
    store_event = PooledSqliteEventLogStorage.store_event
    calls = []

    def failing_third(self, event):
        calls.append(event)
        if len(calls) == 3:
            raise OSError("disk full")
        store_event(self, event)

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event", failing_third)
    with pytest.raises(OSError, match="disk full"):
        target.store_event_batch(events)
    assert target.get_records_for_run(run_id).records == []
    assert target.get_materialized_partitions(dg.AssetKey("monthly_wells")) == set()
    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event", store_event)
    target.store_event_batch(events)  # (what Dagster's fallback, one by one, would also leave)
    assert len(target.get_records_for_run(run_id).records) == 12


@dg.asset_check(asset=monthly_wells, partitions_def=MONTHS)
def monthly_wells_reported() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _check_rows(base_dir: Path) -> list[tuple]:
    # (the index's own ids and insert times aside: what Dagster reads back)
    with sqlite3.connect(base_dir / "index.db") as db:
        return db.execute(
            "SELECT asset_key, check_name, partition, run_id, execution_status, evaluation_event,"
            " evaluation_event_timestamp, evaluation_event_storage_id, materialization_event_storage_id"
            " FROM asset_check_executions ORDER BY id"
        ).fetchall()


def test_a_checks_planned_partitions_are_stored_as_dagsters_own_class_stores_them(tmp_path: Path) -> None:
    source = pooled_instance(tmp_path / "source")
    result = dg.materialize(
        [monthly_wells, monthly_wells_reported],
        instance=source,
        tags={"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-12-01"},
    )
    planned = [
        r.event_log_entry
        for r in source.get_records_for_run(
            result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
        ).records
    ]
    assert len(planned) == 1  # one event for the range, one row per month
    for storage_class, folder in ((PooledSqliteEventLogStorage, "pooled"), (SqliteEventLogStorage, "stock")):
        storage = storage_class(str(tmp_path / folder))
        for event in planned:
            storage.store_event(event)
    pooled, stock = _check_rows(tmp_path / "pooled"), _check_rows(tmp_path / "stock")
    assert [row[2] for row in pooled] == MONTHS.get_partition_keys()
    assert pooled == stock
