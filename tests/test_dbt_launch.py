"""dbt through ``datalive-dbt``: run in the DuckDB file's folder, with the machine's DuckDB limits set by
the on-run-start hook, so that every dev environment renders the same profile (dbt's parse-state key)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from da_platform.gold.dbt_launch import WORKDIR

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
LAUNCHER = str(Path(sys.executable).parent / "datalive-dbt")


def _launch(tmp_path: Path, settings: dict[str, object]) -> subprocess.CompletedProcess[str]:
    """`dbt run` of the calendar model through the launcher, in ``tmp_path/warehouse``."""
    folder = tmp_path / "warehouse"
    folder.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        WORKDIR: str(folder),
        "DATALIVE_DUCKDB_PATH": "datalive_dev.duckdb",
        "DATALIVE_DUCKDB_SETTINGS": json.dumps(settings),
    }
    command = [
        LAUNCHER, "run", "--select", "int_calendar_days", "--project-dir", str(PROJECT),
        "--profiles-dir", str(PROJECT), "--target", "dev",
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_the_launcher_runs_dbt_on_the_duckdb_file_of_the_folder_it_is_given(tmp_path: Path) -> None:
    done = _launch(tmp_path, {})
    assert done.returncode == 0, done.stdout[-2000:]
    with duckdb.connect(str(tmp_path / "warehouse" / "datalive_dev.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) > 0 from gold.int_calendar_days").fetchone() == (True,)


def test_the_run_start_hook_sets_the_duckdb_limits_it_is_given(tmp_path: Path) -> None:
    done = _launch(tmp_path, {"memory_limit": "1GiB", "threads": 1})
    assert done.returncode == 0, done.stdout[-2000:]
    hook = next((tmp_path / "target").rglob("datalive-on-run-start-0.sql")).read_text()
    assert "set memory_limit = '1GiB'" in hook and "set threads = '1'" in hook
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    assert {r["unique_id"]: r["status"] for r in results}["operation.datalive.datalive-on-run-start-0"] == "success"


@pytest.mark.parametrize(
    ("settings", "named"),
    [({"preserve_insertion_order": "false"}, "unknown setting 'preserve_insertion_order'"),
     ({"memory_limit": "1GiB'; drop schema gold; --"}, "memory_limit must be a number")],
)  # fmt: skip
def test_a_setting_the_hook_does_not_know_stops_the_run_with_its_name(
    tmp_path: Path, settings: dict[str, object], named: str
) -> None:
    done = _launch(tmp_path, settings)
    assert done.returncode != 0
    assert named in done.stdout
