"""Silver in the warehouse dbt builds gold from: DuckDB on the embedded default.

On a local lake the three well-day tables are views over the Parquet files of their Delta tables' current
versions (:meth:`Warehouse.publish_lake_views`): dbt reads silver where it lies instead of a copy of
1.7 M rows per 1,000 wells and five years. Elsewhere (an object-store lake, which DuckDB would need a
downloaded extension to read) and for the small register and monthly tables, silver is copied: writes
replace exactly the rows of the window being processed, inside one transaction, so a rerun of a day gives
the same rows and a concurrent reader never sees half a day.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import Lake, LocalLake, require_environment_folder
from da_platform.lakehouse.silver_schema import WAREHOUSE_TABLES

if TYPE_CHECKING:
    from da_platform.lakehouse.snowflake_warehouse import SnowflakeWarehouse

_SCHEMA = "silver"
_DUCKDB_LIMITS = ("memory_limit", "threads")


class Warehouse:
    """A DuckDB file owned by one environment."""

    def __init__(self, path: Path, env_key: str, duckdb_settings: Mapping[str, str | int] | None = None) -> None:
        self.path = path.resolve()
        # The memory limit and threads the environment decided (``Settings.duckdb_settings``); none: DuckDB's.
        self.duckdb_settings = dict(duckdb_settings or {})
        # <env root>/warehouse/<file>: the folder above "warehouse" must be the environment's own.
        require_environment_folder(self.path.parent.parent, env_key, f"warehouse {self.path}")

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the database (created on first write)."""
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no warehouse yet at {self.path}: run `datalive run` first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), read_only=read_only)
        # SET, not connect(config=...): both limits are the database's, shared by its connections in this
        # process, and a connection opened with a config refuses any other connection to the same file
        # opened without it ("different configuration"), such as the evaluation's or the drill's.
        for name, value in self.duckdb_settings.items():
            if name not in _DUCKDB_LIMITS:
                raise ValueError(f"{name!r} is not a DuckDB limit the warehouse sets")
            con.execute(f"SET {name} = '{str(value).replace(chr(39), '')}'")
        return con

    @contextmanager
    def replacing_window(self, tables: tuple[str, ...], start: date, end: date) -> Iterator[WindowWriter]:
        """One transaction that replaces ``[start, end]`` in each of ``tables`` with what the caller adds.

        For a window conformed month by month: the rows arrive in parts, but a reader sees the old
        window or the new one, never a mix, and a failure part-way leaves the old window in place.
        """
        for table in tables:
            check_table(table)
        with self._silver_transaction() as (con, existing):
            for table in tables:
                if existing.get(table) == "VIEW":
                    raise ValueError(f"{_SCHEMA}.{table} is a view over the lake's files: publish it again")
                if table in existing:
                    con.execute(f"DELETE FROM {_SCHEMA}.{table} WHERE production_date BETWEEN ? AND ?", [start, end])
            yield WindowWriter(con, tables)

    def reads_lake_files(self, lake: Lake) -> bool:
        """Whether silver can be views over ``lake``'s files: a local folder, which DuckDB reads as it is."""
        return isinstance(lake, LocalLake)

    def publish_lake_views(self, tables: Iterable[str], files_of: Callable[[str], list[str]]) -> dict[str, int]:
        """Make each of ``tables`` a view over the files ``files_of(table)`` lists, in one transaction;
        returns the number of files each view reads.

        ``files_of`` is called once DuckDB's write lock is held, so of two runs the one that publishes last
        lists every Delta commit made before it: the views never go back to an older snapshot. Each column
        is cast to its contract type (a file another engine wrote reads as the contract says); a table with
        no files is an empty view of those types. A copy left by an earlier release is dropped. The views
        name the files by absolute path, so any DuckDB client reads them; a copied warehouse file keeps
        reading the lake it was published from until silver is published again.
        """
        published = {}
        with self._silver_transaction() as (con, existing):
            for table in tables:
                check_table(table)
                files = files_of(table)
                if existing.get(table) == "BASE TABLE":
                    con.execute(f"DROP TABLE {_SCHEMA}.{table}")
                con.execute(f"CREATE OR REPLACE VIEW {_SCHEMA}.{table} AS {_typed_select(con, table, files)}")
                published[table] = len(files)
        return published

    @contextmanager
    def _silver_transaction(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, str]]]:
        """A write transaction on silver, with its tables and views as they were when it began; committed
        when the block ends, rolled back if it raises."""
        with self.connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_SCHEMA}")
            con.execute("BEGIN TRANSACTION")
            try:
                yield con, _silver_objects(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def replace_all(self, table: str, frame: pl.DataFrame) -> None:
        """Replace every row of ``silver.<table>``."""
        self._write(table, frame, "DELETE FROM {t}", [])

    @contextmanager
    def reading(self) -> Iterator[WarehouseReader]:
        """One read-only connection for several queries (a question, a snapshot), closed afterwards."""
        with self.connect(read_only=True) as con:
            yield WarehouseReader(lambda sql, params: con.execute(sql, params).pl())

    def change_marker(self) -> tuple[int, int] | None:
        """Changes whenever gold may have changed (the file's mtime and size); None before the first run."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def gold_tables(self) -> set[str]:
        """Names of the tables dbt has built in ``gold`` (empty before the first run)."""
        if not self.path.exists():
            return set()
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gold'"
        return set(self.query(sql)["table_name"].to_list())

    def query(self, sql: str, params: list[object] | None = None) -> pl.DataFrame:
        """Run a parameterised read-only query and return a polars frame."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).pl()

    def _write(self, table: str, frame: pl.DataFrame, delete_sql: str, params: list[object]) -> None:
        check_table(table)
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


class WarehouseReader:
    """Parameterised queries on one open connection (either backend)."""

    def __init__(self, run: Callable[[str, list[object]], pl.DataFrame]) -> None:
        self._run = run

    def query(self, sql: str, params: list[object] | None = None) -> pl.DataFrame:
        """Run a parameterised read-only query (``?`` placeholders) and return a polars frame."""
        return self._run(sql, params or [])


class WindowWriter:
    """Adds rows inside :meth:`Warehouse.replacing_window`'s transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> None:
        self._con = con
        self._tables = tables

    def add(self, table: str, frame: pl.DataFrame) -> None:
        """Insert ``frame`` into ``silver.<table>`` (created from the frame's columns on first use)."""
        if table not in self._tables:
            raise ValueError(f"{table!r} is not one of the tables this window replaces")
        qualified = f"{_SCHEMA}.{table}"
        self._con.register("incoming", frame.to_arrow())
        try:
            self._con.execute(f"CREATE TABLE IF NOT EXISTS {qualified} AS SELECT * FROM incoming WHERE false")
            self._con.execute(f"INSERT INTO {qualified} BY NAME SELECT * FROM incoming")
        finally:
            self._con.unregister("incoming")


def _silver_objects(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each table or view in silver, with its kind (``BASE TABLE`` or ``VIEW``)."""
    sql = "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ?"
    return dict(con.execute(sql, [_SCHEMA]).fetchall())


def _typed_select(con: duckdb.DuckDBPyConnection, table: str, files: list[str]) -> str:
    """The SELECT of ``table``'s contract columns, cast to their DuckDB types, from ``files``."""
    con.register("contract", pl.DataFrame(schema=WAREHOUSE_TABLES[table]).to_arrow())
    try:
        types = con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM contract)").fetchall()
    finally:
        con.unregister("contract")
    if not files:
        return "SELECT " + ", ".join(f'CAST(NULL AS {t}) AS "{c}"' for c, t in types) + " WHERE false"
    # Paths come from the Delta log of the environment's own lake; quotes are doubled all the same.
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    columns = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types)
    return f"SELECT {columns} FROM read_parquet([{listed}], union_by_name = true)"


def open_warehouse(settings: Settings, login_timeout: int | None = None) -> Warehouse | SnowflakeWarehouse:
    """The environment's warehouse outside Dagster: its DuckDB file, or its Snowflake database (credentials
    from the environment; nothing connects until a query runs)."""
    if settings.warehouse_backend == "duckdb":
        return Warehouse(settings.warehouse_path, settings.isolation_key, settings.duckdb_settings)
    from da_platform.lakehouse.snowflake_warehouse import SnowflakeWarehouse, connection_factory

    schemas = {layer: settings.warehouse_layer_schema(layer) for layer in ("silver", "gold")}
    return SnowflakeWarehouse(
        connection_factory(settings, login_timeout),
        settings.snowflake_database,
        schemas,
        settings.isolation_key,
        dbt_schema=settings.warehouse_schema,
    )


def check_table(table: str) -> None:
    """Refuse a name that is not one of the silver contracts (names are put into SQL)."""
    if table not in WAREHOUSE_TABLES or not re.fullmatch(r"[a-z_]+", table):
        raise ValueError(f"{table!r} is not a silver warehouse table")
