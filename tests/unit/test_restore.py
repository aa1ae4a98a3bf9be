"""Restoring a lake table by time travel, and retention that never removes what the vacuum horizon needs.

Tables are small Delta tables of real Volve well-days (silver conformed from the bundled sample).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from da_platform.env import Retention, SettingsError, load_settings
from da_platform.lakehouse.cleaning import SilverResult
from da_platform.lakehouse.delta_lake import LocalLake
from da_platform.ops import audit
from da_platform.ops.drill import content_fingerprint
from da_platform.ops.restore import RestoreRefused, recover_raw, resolve_version, restore_table
from da_platform.ops.retention import retention

TABLE = "silver/well_day_production"


@pytest.fixture
def history(lake: LocalLake, volve_silver: SilverResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Version 0: one month of F-12 production; version 1: a bad overwrite that kept only ten rows."""
    month = volve_silver.production.filter(pl.col("production_date").dt.strftime("%Y-%m") == "2014-04")
    lake.append(TABLE, month)
    time.sleep(0.01)  # commit times are in milliseconds: keep the two apart
    lake.overwrite(TABLE, month.head(10))
    return month, month.head(10)


def _table_version(lake: LocalLake) -> int:
    return DeltaTable(lake.uri(TABLE)).version()


def test_restore_by_version_brings_the_content_back_as_a_new_commit(lake: LocalLake, history) -> None:
    good, _ = history

    done = restore_table(lake, TABLE, version=0)

    assert (done.from_version, done.restored_version, done.new_version) == (1, 0, 2)
    assert content_fingerprint(lake.read(TABLE)) == content_fingerprint(good)
    assert lake.read(TABLE, version=1).height == 10  # the bad version is still in the history


def test_restore_as_of_a_time_picks_the_last_commit_before_it(lake: LocalLake, history) -> None:
    good, _ = history
    first_commit = min(c["timestamp"] for c in DeltaTable(lake.uri(TABLE)).history())
    between = datetime.fromtimestamp(first_commit / 1000, tz=UTC) + timedelta(microseconds=500)

    assert resolve_version(lake, TABLE, as_of=datetime.now(UTC)) == 1
    assert resolve_version(lake, TABLE, as_of=between) == 0

    done = restore_table(lake, TABLE, as_of=between)

    assert done.restored_version == 0 and lake.read(TABLE).height == good.height


def test_a_timestamp_before_the_table_existed_is_refused_and_nothing_changes(lake: LocalLake, history) -> None:
    with pytest.raises(RestoreRefused, match="did not exist at 2020-01-01T00:00:00\\+00:00: its first commit"):
        restore_table(lake, TABLE, as_of=datetime(2020, 1, 1, tzinfo=UTC))
    assert _table_version(lake) == 1 and lake.read(TABLE).height == 10


def test_a_version_vacuum_removed_is_refused_and_nothing_changes(lake: LocalLake, history) -> None:
    DeltaTable(lake.uri(TABLE)).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    after_vacuum = _table_version(lake)  # delta-rs logs the vacuum itself as commits

    with pytest.raises(RestoreRefused, match="version 0 cannot be restored: vacuum has removed data files"):
        restore_table(lake, TABLE, version=0)
    assert _table_version(lake) == after_vacuum and lake.read(TABLE).height == 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": 7}, "has no version 7 in its log"),
        ({"version": 1}, "already at version 1"),
        ({}, "exactly one of --version N or --as-of"),
        ({"as_of": datetime(2026, 1, 1)}, "has no time zone"),
    ],
)
def test_a_restore_that_cannot_be_done_says_why_and_changes_nothing(lake: LocalLake, history, kwargs, message):
    with pytest.raises(RestoreRefused, match=message):
        restore_table(lake, TABLE, **kwargs)
    assert _table_version(lake) == 1


def test_the_audit_trail_and_unknown_tables_are_never_restored(lake: LocalLake) -> None:
    audit.append(lake, "cli:ana", "key.create", "key k1", "ok")
    audit.append(lake, "cli:ana", "key.revoke", "key k1", "ok")

    with pytest.raises(RestoreRefused, match="append-only audit trail"):
        restore_table(lake, audit.AUDIT_TABLE, version=0)
    with pytest.raises(RestoreRefused, match="silver/nothing_here is not a Delta table"):
        restore_table(lake, "silver/nothing_here", version=0)


def test_retention_keeps_every_version_inside_the_vacuum_horizon(lake: LocalLake, history) -> None:
    policy = Retention(vacuum_horizon_days=1, mlflow_run_days=30, quarantine_days=90)

    plan = retention(lake, policy, apply=True)

    assert plan.vacuum_files == {TABLE: 0}  # the overwrite is younger than the horizon: version 0 stays
    restore_table(lake, TABLE, version=0)
    assert lake.read(TABLE).height == history[0].height


def test_quarantine_retention_dry_run_changes_nothing_and_apply_deletes_only_rows_of_old_files(
    lake: LocalLake, volve_silver: SilverResult
) -> None:
    """Volve's four quarantined rows: their file landed 100 days ago; another file's row landed today."""
    from da_platform.ingest.raw_zone import MANIFEST_TABLE

    quarantine = volve_silver.quarantine
    assert quarantine.height == 4
    recent = quarantine.head(1).with_columns(source_sha256=pl.lit("b" * 64))
    lake.append("silver/quarantine", pl.concat([quarantine, recent]))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    manifest = pl.DataFrame(
        {"sha256": [quarantine["source_sha256"][0], "b" * 64], "arrived_at": [now - timedelta(days=100), now]},
        schema={"sha256": pl.String(), "arrived_at": pl.Datetime("us", "UTC")},
    )
    lake.append(MANIFEST_TABLE, manifest)
    policy = Retention(vacuum_horizon_days=7, mlflow_run_days=30, quarantine_days=90)

    assert retention(lake, policy, now=now - timedelta(days=20)).quarantine_rows == 0
    dry = retention(lake, policy, now=now)
    assert dry.quarantine_rows == 4 and lake.read("silver/quarantine").height == 5

    retention(lake, policy, apply=True, now=now)
    assert lake.read("silver/quarantine")["source_sha256"].to_list() == ["b" * 64]
    assert lake.read("silver/quarantine", version=0).height == 5  # restorable within the horizon
    assert "raw: kept forever" in dry.describe()


def test_raw_is_never_vacuumed(lake: LocalLake) -> None:
    audit.append(lake, "cli:ana", "key.create", "key k1", "ok")
    plan = retention(lake, Retention(vacuum_horizon_days=1, mlflow_run_days=1, quarantine_days=1), apply=True)
    assert not any(table.startswith("raw/") for table in plan.vacuum_files)


def test_a_missing_raw_file_on_a_local_lake_is_named_and_cannot_be_recovered(lake: LocalLake) -> None:
    from da_platform.ingest.raw_zone import LandedFile, land, sha256_of
    from tests.unit.conftest import VOLVE_REGISTER

    landed = LandedFile(VOLVE_REGISTER, "reference", sha256_of(VOLVE_REGISTER), VOLVE_REGISTER.stat().st_size)
    raw_path = land(lake, [landed])["raw_path"][0]
    assert recover_raw(lake, "eu-north-1").recovered == []
    lake.path(raw_path).unlink()

    with pytest.raises(RestoreRefused, match=f"1 raw files are missing or changed \\({raw_path}"):
        recover_raw(lake, "eu-north-1")


def test_retention_defaults_differ_per_environment_and_can_be_overridden(tmp_path: Path) -> None:
    dev = load_settings({"DA_ENV": "dev", "DATALIVE_HOME": str(tmp_path)}).retention
    prod = load_settings({"DA_ENV": "prod", "DATALIVE_HOME": str(tmp_path)}).retention
    assert prod.vacuum_horizon_days > dev.vacuum_horizon_days and prod.raw_days is None
    tuned = load_settings({"DATALIVE_HOME": str(tmp_path), "DATALIVE_VACUUM_HORIZON_DAYS": "14"}).retention
    assert tuned.vacuum_horizon_days == 14
    with pytest.raises(SettingsError, match="DATALIVE_QUARANTINE_RETENTION_DAYS='0' is not a positive"):
        load_settings({"DATALIVE_HOME": str(tmp_path), "DATALIVE_QUARANTINE_RETENTION_DAYS": "0"})


def test_a_content_fingerprint_ignores_order_and_sees_one_changed_value(volve_silver: SilverResult) -> None:
    frame = volve_silver.production.head(50)
    changed = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(pl.col("oil_sm3") + 1).otherwise(pl.col("oil_sm3"))
    )

    assert content_fingerprint(frame.reverse().select(reversed(frame.columns))) == content_fingerprint(frame)
    assert content_fingerprint(changed) != content_fingerprint(frame)


def test_the_drill_deletes_a_local_tables_commit_files_since_its_build_and_the_checkpoint_covering_them(
    lake: LocalLake,
) -> None:
    from da_platform.lakehouse import build_state
    from da_platform.ops.drill import _delete_local_commits

    table = "silver/well_day_injection"
    frame = pl.DataFrame({"production_date": [date(2016, 3, 1)], "value": [1.0]})
    for _ in range(3):
        lake.append(table, frame)
    build_state.record_versions(lake, ["2016-03-01"], {table: 1})  # a later commit (2) came after the build
    DeltaTable(lake.uri(table)).create_checkpoint()
    log = lake.path(table) / "_delta_log"
    assert (log / f"{2:020d}.checkpoint.parquet").exists()

    what = _delete_local_commits(lake, table)

    assert what == f"{table}: its latest commit file (versions 1..2) deleted from _delta_log"
    assert sorted(p.name for p in log.iterdir()) == [f"{0:020d}.json"]
    assert build_state.current_versions(lake, [table]) == {table: 0}
    assert lake.read(table).height == 1


def test_the_warehouse_rebuilds_dbt_runs_under_the_machines_duckdb_limits(tmp_path: Path, monkeypatch) -> None:
    import json
    import os
    import subprocess

    from da_platform.ops import restore

    seen: dict[str, str] = {}

    def fake_dbt(command, **kwargs):
        seen.update(os.environ)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_dbt)
    settings = load_settings(
        {"DATALIVE_HOME": str(tmp_path), "DATALIVE_DUCKDB_MEMORY_LIMIT": "3GB", "DATALIVE_DUCKDB_THREADS": "1"}
    )
    restore._run_dbt_build(settings, date(2014, 4, 1), date(2014, 4, 30))
    assert json.loads(seen["DATALIVE_DUCKDB_SETTINGS"]) == {"memory_limit": "3GB", "threads": 1}
    assert "DATALIVE_DUCKDB_SETTINGS" not in os.environ  # (set around the dbt call only)
