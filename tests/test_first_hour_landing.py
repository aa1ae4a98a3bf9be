"""Issue 24, the first hour: a landing as a new operator lays it out, and failures a retry cannot fix."""

from __future__ import annotations

import shutil
from pathlib import Path

from da_platform.cli import main
from da_platform.defs.ingest.assets import NO_REGISTER
from da_platform.env import load_settings
from da_platform.ingest.raw_zone import scan_landing
from da_platform.run_steps import open_instance
from tests.helpers import SAMPLE, gold_table, status, write_daily_subset


def _daily_only(root: Path) -> Path:
    """May 2014 daily reports under daily/, nothing else."""
    landing = root / "landing"
    write_daily_subset(landing / "daily" / "volve_2014-05.csv", "2014-05-01", "2014-05-31")
    return landing


def test_a_daily_file_at_the_landing_root_is_ignored_naming_the_folder_it_belongs_in(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_daily_subset(landing / "report.csv", "2014-05-01", "2014-05-02")
    (landing / "wells.xlsx").write_bytes(b"not a sheet")
    (landing / "well_register.txt").write_text("?", encoding="utf-8")

    scan = scan_landing(landing)

    assert scan.files == []
    reasons = {s.path.name: s.reason for s in scan.skipped}
    assert reasons["report.csv"].endswith("its header is a daily file's: move it to daily/")
    assert reasons["well_register.txt"].endswith("by its name it belongs in reference/")
    assert "move it to the folder of its kind" in reasons["wells.xlsx"]
    assert all(s.by_convention for s in scan.skipped)  # ignored by the convention, not refused


def test_without_a_monthly_sheet_gold_builds_and_reconciliation_warns(tmp_path, isolated_env, capsys) -> None:
    landing = _daily_only(tmp_path)
    shutil.copytree(SAMPLE / "reference", landing / "reference")
    shutil.copy(landing / "daily" / "volve_2014-05.csv", landing / "volve_2014-05.csv")  # also at the root

    assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0

    err = capsys.readouterr().err
    assert f"ignored {landing / 'volve_2014-05.csv'}: not under one of" in err
    assert "move it to daily/" in err
    assert "no reported monthly totals landed" in err
    assert "Traceback" not in err
    assert gold_table(isolated_env, "gold.fct_well_daily_production").height == 5 * 31
    checks = {c["name"]: c for c in status(capsys)["checks"]}
    reconciliation = checks["monthly_oil_reconciles_with_reported"]
    assert (reconciliation["passed"], reconciliation["severity"]) == (False, "WARN")


def test_without_a_well_register_the_run_fails_in_one_line_and_is_not_retried(tmp_path, isolated_env, capsys) -> None:
    landing = _daily_only(tmp_path)
    shutil.copytree(SAMPLE / "monthly", landing / "monthly")

    assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 1

    err = capsys.readouterr().err
    assert err.count(NO_REGISTER) == 1
    assert "Traceback" not in err and "dagster._core" not in err
    instance = open_instance(load_settings())
    (run,) = instance.get_runs()
    events = {e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event}
    assert "STEP_FAILURE" in events
    assert "STEP_UP_FOR_RETRY" not in events  # a missing register stays missing on a retry


def test_verbose_shows_the_traceback_of_an_expected_failure(tmp_path, isolated_env, capsys) -> None:
    landing = _daily_only(tmp_path)

    assert main(["run", "--only", "lakehouse", "--verbose", "--landing", str(landing)]) == 1

    err = capsys.readouterr().err
    assert NO_REGISTER in err
    assert "raise deterministic(NO_REGISTER)" in err  # the stack trace, down to the line that failed


def test_a_missing_landing_folder_is_one_line_and_not_retried(tmp_path, isolated_env, capsys) -> None:
    assert main(["run", "--only", "lakehouse", "--landing", str(tmp_path / "nowhere")]) == 1

    err = capsys.readouterr().err
    assert f"landing folder {tmp_path / 'nowhere'} does not exist" in err
    instance = open_instance(load_settings())
    (run,) = instance.get_runs()
    events = {e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event}
    assert "STEP_UP_FOR_RETRY" not in events
