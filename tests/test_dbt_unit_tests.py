"""The KPI and register-version SQL gives the hand-written answers of the dbt unit tests in the model YAML."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
DBT = str(Path(sys.executable).parent / "dbt")


def test_every_dbt_unit_test_passes_on_an_empty_warehouse(tmp_path: Path) -> None:
    # The fixtures are SQL, so an empty DuckDB file is all the warehouse the unit tests need.
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DATALIVE_DUCKDB_PATH": str(tmp_path / "unit.duckdb"),
        "DATALIVE_DBT_UNIT_TESTS": "1",
    }
    target = tmp_path / "target"
    args = ["--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), "--target", "dev"]
    paths = ["--target-path", str(target), "--log-path", str(tmp_path / "logs")]
    result = subprocess.run(
        [DBT, "test", "--select", "test_type:unit", *args, *paths],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in json.loads((target / "run_results.json").read_text())["results"]
        if r["unique_id"].startswith("unit_test.")  # (the run-start hook is a result too)
    }
    assert outcomes == {
        "fct_well_daily_production__kpis_on_hand_written_days": "pass",
        "int_well_day_production__register_version_on_the_day": "pass",
    }
