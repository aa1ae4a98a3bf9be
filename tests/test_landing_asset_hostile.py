"""The raw asset on a hostile landing folder: links are reported, never read; `rehash` re-reads every file."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from da_platform.defs.ingest.assets import landed_files
from da_platform.defs.resources import LakeResource, build_resources
from da_platform.env import load_settings
from da_platform.ingest import raw_zone
from da_platform.lakehouse.delta_lake import open_lake
from tests.helpers import write_daily_subset

SECRET = "root:x:0:0:root:/root:/bin/bash"


def run_landed_files(home: Path, landing: Path, rehash: bool = False) -> tuple[dg.ExecuteInProcessResult, list[str]]:
    """Materialize raw/landed_files alone; returns the result and every message the run logged."""
    resources = build_resources(load_settings({"DATALIVE_HOME": str(home)}))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [landed_files],
        resources={"lake": resources["lake"], "platform": resources["platform"]},
        instance=instance,
        run_config={"ops": {"raw__landed_files": {"config": {"landing_dir": str(landing), "rehash": rehash}}}},
    )
    return result, [entry.user_message for entry in instance.all_logs(result.run_id)]


def test_a_link_to_a_secret_is_reported_as_a_link_and_none_of_its_bytes_reach_raw_or_the_logs(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_daily_subset(landing / "daily" / "volve_2014-04.csv", "2014-04-01", "2014-04-03")
    secret = tmp_path / "passwd"
    secret.write_text(SECRET + "\n")
    (landing / "daily" / "passwd.csv").symlink_to(secret)

    result, logs = run_landed_files(tmp_path / "home", landing)

    metadata = result.asset_materializations_for_node("raw__landed_files")[0].metadata
    assert metadata["files_added"].value == 1
    assert metadata["skipped"].value == [f"{landing / 'daily' / 'passwd.csv'}: a link, not a file"]
    assert any("passwd.csv: a link, not a file" in line for line in logs)
    check = result.get_asset_check_evaluations()
    refused = next(c for c in check if c.check_name == "no_unlandable_landing_entries")
    assert not refused.passed and "passwd.csv: a link, not a file" in refused.metadata["refused"].value
    assert not any("root:x:0:0" in line for line in logs)
    lake = open_lake(load_settings({"DATALIVE_HOME": str(tmp_path / "home")}))
    assert lake.read(raw_zone.MANIFEST_TABLE)["file_name"].to_list() == ["volve_2014-04.csv"]


def test_rehash_lands_an_edit_that_kept_size_and_mtime_and_says_so(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    report = landing / "daily" / "volve_2014-04.csv"
    write_daily_subset(report, "2014-04-01", "2014-04-03")
    write_daily_subset(landing / "daily" / "volve_2014-05.csv", "2014-05-01", "2014-05-03")
    run_landed_files(tmp_path / "home", landing)
    before = report.stat()
    report.write_bytes(report.read_bytes().replace(b"2014-04-03", b"2014-04-02", 1))  # one digit, same size
    os.utime(report, ns=(before.st_atime_ns, before.st_mtime_ns))

    result, logs = run_landed_files(tmp_path / "home", landing, rehash=True)

    metadata = result.asset_materializations_for_node("raw__landed_files")[0].metadata
    assert (metadata["files_added"].value, metadata["files_rehashed"].value) == (1, 2)  # every file, not a sample
    assert metadata["files_changed_behind_their_stat"].value == 1
    assert any("changed without a change of size or modification time" in line for line in logs)


def test_a_file_that_keeps_changing_is_left_for_the_next_run_and_the_others_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    growing = landing / "daily" / "volve_2014-04.csv"
    write_daily_subset(growing, "2014-04-01", "2014-04-03")
    write_daily_subset(landing / "daily" / "volve_2014-05.csv", "2014-05-01", "2014-05-03")
    original = raw_zone._read_blocks

    def read_while_an_export_appends(fd: int):
        yield from original(fd)
        if os.fstat(fd).st_ino == growing.stat().st_ino:
            with growing.open("a", encoding="utf-8") as handle:
                handle.write("2014-04-04,NO 15/9-F-1 C\n")

    monkeypatch.setattr(raw_zone, "_read_blocks", read_while_an_export_appends)
    monkeypatch.setattr(raw_zone, "LAND_RETRY_SECONDS", 0.0)

    result, _ = run_landed_files(tmp_path / "home", landing)

    metadata = result.asset_materializations_for_node("raw__landed_files")[0].metadata
    assert metadata["files_added"].value == 1
    assert metadata["files_not_landed"].value == [f"{growing}: kept changing while it was being landed"]
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["raw_copies_match_manifest"].passed and not checks["no_unlandable_landing_entries"].passed
    lake = open_lake(load_settings({"DATALIVE_HOME": str(tmp_path / "home")}))
    assert lake.read(raw_zone.MANIFEST_TABLE)["file_name"].to_list() == ["volve_2014-05.csv"]
    assert str(growing) not in raw_zone.read_stat_cache(lake)  # hashed afresh by the next run


def test_a_lake_outside_the_environment_fails_the_landing_once_without_retries(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_daily_subset(landing / "daily" / "volve_2014-04.csv", "2014-04-01", "2014-04-03")
    resources = build_resources(load_settings({"DATALIVE_HOME": str(tmp_path / "home")}))
    foreign_lake = LakeResource(root=str(tmp_path / "prod" / "lake"), env_key="dev")
    instance = dg.DagsterInstance.ephemeral()

    result = dg.materialize(
        [landed_files],
        resources={"lake": foreign_lake, "platform": resources["platform"]},
        instance=instance,
        run_config={"ops": {"raw__landed_files": {"config": {"landing_dir": str(landing)}}}},
        raise_on_error=False,
    )

    assert not result.success
    events = [e.event_type for e in result.all_events]
    assert events.count(dg.DagsterEventType.STEP_FAILURE) == 1
    assert dg.DagsterEventType.STEP_UP_FOR_RETRY not in events
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "not inside the 'dev' environment's folder" in failure.step_failure_data.error.message
