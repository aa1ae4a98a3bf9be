"""Each gold well-day carries the register version valid on its day: the intermediate views pick it per
well and day, the latest one should versions overlap, and never duplicate a well-day."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.helpers import dev_warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dev warehouse with gold built from Volve, April 2014."""
    return dev_warehouse(tmp_path_factory.mktemp("register-versions"), "2014-04-01", "2014-04-30")


@pytest.fixture
def warehouse(built: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A copy of the warehouse (the views name their catalog, so the file keeps its name)."""
    copy = tmp_path / built.name
    shutil.copy(built, copy)
    with duckdb.connect(str(copy)) as con:
        yield con


VIEWS = ["int_well_day_production", "int_well_day_injection"]


def _busiest_well(con: duckdb.DuckDBPyConnection, view: str) -> str:
    """The well with most days in ``view`` among those with one register version (the tests split that one
    version in two); ties go to the first well id, so every run picks the same well. In April 2014
    15/9-F-4 and 15/9-F-5 both inject on 30 days, and F-5 already has two versions."""
    return con.execute(
        f"SELECT well_id FROM gold.{view} "
        "WHERE well_id IN (SELECT well_id FROM silver.well_register GROUP BY well_id HAVING count(*) = 1) "
        "GROUP BY well_id ORDER BY count(*) DESC, well_id LIMIT 1"
    ).fetchone()[0]


def _split_register(con: duckdb.DuckDBPyConnection, well: str, first_ends: str, second_starts: str) -> None:
    """Replace the well's register row by two versions: status 'first' until ``first_ends``, 'second' from
    ``second_starts`` (open-ended)."""
    con.execute(
        f"""
        CREATE TEMP TABLE original AS SELECT * FROM silver.well_register WHERE well_id = '{well}';
        DELETE FROM silver.well_register WHERE well_id = '{well}';
        INSERT INTO silver.well_register
            SELECT * REPLACE ('first' AS status, DATE '{first_ends}' AS valid_to) FROM original
            UNION ALL
            SELECT * REPLACE ('second' AS status, DATE '{second_starts}' AS valid_from, NULL AS valid_to)
            FROM original;
        """
    )


def _status_by_day(con: duckdb.DuckDBPyConnection, view: str, well: str) -> dict[date, str | None]:
    rows = con.execute(f"SELECT production_date, register_status FROM gold.{view} WHERE well_id = ?", [well])
    return dict(rows.fetchall())


@pytest.mark.parametrize("view", VIEWS)
def test_a_well_day_takes_the_register_version_valid_on_its_day(warehouse, view: str) -> None:
    well = _busiest_well(warehouse, view)
    _split_register(warehouse, well, "2014-04-14", "2014-04-15")
    days = _status_by_day(warehouse, view, well)
    assert {s for d, s in days.items() if d <= date(2014, 4, 14)} == {"first"}
    assert {s for d, s in days.items() if d >= date(2014, 4, 15)} == {"second"}


def test_a_day_between_versions_keeps_its_row_outside_the_register(warehouse) -> None:
    well = _busiest_well(warehouse, "int_well_day_production")
    before = warehouse.execute("SELECT count(*) FROM gold.int_well_day_production").fetchone()[0]
    _split_register(warehouse, well, "2014-04-14", "2014-04-16")
    gap = warehouse.execute(
        "SELECT register_status, in_register_on_day FROM gold.int_well_day_production "
        "WHERE well_id = ? AND production_date = DATE '2014-04-15'",
        [well],
    ).fetchall()
    assert gap == [(None, False)]
    assert warehouse.execute("SELECT count(*) FROM gold.int_well_day_production").fetchone()[0] == before


@pytest.mark.parametrize("view", VIEWS)
def test_overlapping_versions_give_one_row_per_well_day_from_the_latest(warehouse, view: str) -> None:
    well = _busiest_well(warehouse, view)
    _split_register(warehouse, well, "2014-04-20", "2014-04-10")  # both valid 10-20 April
    days = warehouse.execute(
        f"SELECT production_date, count(*), min(register_status) FROM gold.{view} "
        "WHERE well_id = ? GROUP BY production_date",
        [well],
    ).fetchall()
    assert {n for _, n, _ in days} == {1}
    assert {s for d, _, s in days if date(2014, 4, 10) <= d <= date(2014, 4, 20)} == {"second"}
    assert {s for d, _, s in days if d < date(2014, 4, 10)} == {"first"}


@pytest.mark.parametrize("view", VIEWS)
def test_a_day_after_a_nested_version_ends_takes_the_version_still_valid(warehouse, view: str) -> None:
    well = _busiest_well(warehouse, view)
    # 'first' is open-ended; 'second' starts later and ends first (10-20 April): after the 20th only
    # 'first' covers the day, though 'second' started later.
    warehouse.execute(
        f"""
        CREATE TEMP TABLE original AS SELECT * FROM silver.well_register WHERE well_id = '{well}';
        DELETE FROM silver.well_register WHERE well_id = '{well}';
        INSERT INTO silver.well_register
            SELECT * REPLACE ('first' AS status, NULL AS valid_to) FROM original
            UNION ALL
            SELECT * REPLACE ('second' AS status, DATE '2014-04-10' AS valid_from, DATE '2014-04-20' AS valid_to)
            FROM original;
        """
    )
    days = _status_by_day(warehouse, view, well)
    assert {s for d, s in days.items() if date(2014, 4, 10) <= d <= date(2014, 4, 20)} == {"second"}
    assert {s for d, s in days.items() if d < date(2014, 4, 10) or d > date(2014, 4, 20)} == {"first"}
