"""dbt data tests read the run's partition window of a windowed relation, so a day's tests do not grow with
the years of history under it; a row outside every window (no date) is seen by every run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.helpers import dev_warehouse

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
DBT = str(Path(sys.executable).parent / "dbt")
APRIL = {"start_date": "2014-04-01", "end_date": "2014-04-30"}
MAY = {"start_date": "2014-05-01", "end_date": "2014-05-31"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dev warehouse with gold built from Volve April–May 2014."""
    return dev_warehouse(tmp_path_factory.mktemp("window-tests"), "2014-04-01", "2014-05-31")


def _dbt_test(database: Path, window: dict[str, str], select: str, tmp_path: Path) -> dict[str, str]:
    """Status of each selected data test, run against ``database`` for ``window``."""
    command = [
        DBT, "test", "--select", select, "--vars", json.dumps(window),
        "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), "--target", "dev",
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DATALIVE_DUCKDB_PATH": str(database)}
    subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"].split(".")[2]: r["status"] for r in results}


def _plant(database: Path, sql: str) -> None:
    with duckdb.connect(str(database)) as con:
        con.execute(sql)


def test_a_duplicate_is_found_by_the_run_of_its_window_and_not_by_another_windows(warehouse, tmp_path) -> None:
    _plant(
        warehouse,
        "INSERT INTO gold.fct_well_daily_production SELECT * FROM gold.fct_well_daily_production "
        "WHERE production_date = DATE '2014-04-10' LIMIT 1",
    )
    try:
        unique = "fct_well_daily_production__one_row_per_well_day"
        assert _dbt_test(warehouse, MAY, unique, tmp_path / "may")[unique] == "pass"
        assert _dbt_test(warehouse, APRIL, unique, tmp_path / "april")[unique] == "fail"
        assert _dbt_test(warehouse, {}, unique, tmp_path / "all")[unique] == "fail"  # no window: every date
    finally:
        _plant(
            warehouse,
            "DELETE FROM gold.fct_well_daily_production WHERE rowid IN (SELECT max(rowid) "
            "FROM gold.fct_well_daily_production GROUP BY production_date, well_id HAVING count(*) > 1)",
        )


def test_a_row_without_a_date_fails_its_not_null_test_in_any_window(warehouse, tmp_path) -> None:
    _plant(
        warehouse,
        "INSERT INTO gold.fct_well_daily_production SELECT * REPLACE (NULL AS production_date) "
        "FROM gold.fct_well_daily_production LIMIT 1",
    )
    try:
        statuses = _dbt_test(warehouse, MAY, "fct_well_daily_production", tmp_path)
        assert statuses["fct_well_daily_production__production_date__not_null"] == "fail"
        assert statuses["fct_well_daily_production__one_row_per_well_day"] == "pass"
    finally:
        _plant(warehouse, "DELETE FROM gold.fct_well_daily_production WHERE production_date IS NULL")
