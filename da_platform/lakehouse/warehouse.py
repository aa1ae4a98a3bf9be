"""The warehouse copy of silver, in DuckDB on the embedded default.

dbt builds gold from these tables. Writes replace exactly the rows of the window being processed, inside
one transaction, so a rerun of a day gives the same rows and a concurrent reader never sees half a day.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from da_platform.lakehouse.delta_lake import require_environment_folder
from da_platform.lakehouse.silver_schema import WAREHOUSE_TABLES

_SCHEMA = "silver"


class Warehouse:
    """A DuckDB file owned by one environment."""

    def __init__(self, path: Path, env_key: str) -> None:
        self.path = path.resolve()
        # <env root>/warehouse/<file>: the folder above "warehouse" must be the environment's own.
        require_environment_folder(self.path.parent.parent, env_key, f"warehouse {self.path}")

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the database (created on first write)."""
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no warehouse yet at {self.path}: run `datalive run` first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(self.path), read_only=read_only)

    def replace_window(self, table: str, frame: pl.DataFrame, start: date, end: date) -> None:
        """Replace ``silver.<table>`` rows whose production_date is in [start, end] with ``frame``."""
        self._write(table, frame, "DELETE FROM {t} WHERE production_date BETWEEN ? AND ?", [start, end])

    def replace_all(self, table: str, frame: pl.DataFrame) -> None:
        """Replace every row of ``silver.<table>``."""
        self._write(table, frame, "DELETE FROM {t}", [])

    def query(self, sql: str, params: list[object] | None = None) -> pl.DataFrame:
        """Run a parameterised read-only query and return a polars frame."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).pl()

    def _write(self, table: str, frame: pl.DataFrame, delete_sql: str, params: list[object]) -> None:
        if table not in WAREHOUSE_TABLES or not re.fullmatch(r"[a-z_]+", table):
            raise ValueError(f"{table!r} is not a silver warehouse table")
        qualified = f"{_SCHEMA}.{table}"
        arrow = frame.to_arrow()
        with self.connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_SCHEMA}")
            con.register("incoming", arrow)
            con.execute(f"CREATE TABLE IF NOT EXISTS {qualified} AS SELECT * FROM incoming WHERE false")
            con.execute("BEGIN TRANSACTION")
            con.execute(delete_sql.format(t=qualified), params)
            con.execute(f"INSERT INTO {qualified} BY NAME SELECT * FROM incoming")
            con.execute("COMMIT")
