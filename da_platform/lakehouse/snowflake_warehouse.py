"""The warehouse copy of silver on Snowflake (qa, prod), where dbt-snowflake builds gold.

The same contract as the DuckDB :class:`~da_platform.lakehouse.warehouse.Warehouse`: a window of days is
replaced in one transaction (a reader sees the old window or the new one), reference tables are replaced
whole, and reads are parameterised queries returning polars frames. Queries name the layers logically
(``silver.x``, ``gold.x``); this class maps them to the environment's schemas (``ANALYTICS_QA_PR7_GOLD`` for
a pull request), so reader code does not change with the backend.

Connections come from a factory (Dagster's ``SnowflakeResource.get_connection`` in assets), opened per
operation; nothing connects at construction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from typing import Any

import polars as pl

from da_platform.env import Settings, snowflake_credentials
from da_platform.lakehouse.delta_lake import OutsideEnvironmentError
from da_platform.lakehouse.silver_schema import WAREHOUSE_TABLES
from da_platform.lakehouse.warehouse import WarehouseReader, check_table

ConnectionFactory = Callable[[], AbstractContextManager[Any]]
_LOGICAL = re.compile(r"\b(silver|gold)\.(?=[a-z_]+\b)", re.IGNORECASE)
# Rows per INSERT: the connector binds arrays server-side (and stages large ones), so batches stay moderate.
_BATCH = 5_000


def snowflake_type(dtype: pl.DataType) -> str:
    """The Snowflake column type for a silver column's polars type."""
    if dtype == pl.Date:
        return "DATE"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMP_TZ" if dtype.time_zone else "TIMESTAMP_NTZ"
    if dtype.is_integer():
        return "NUMBER(38,0)"
    if dtype.is_float():
        return "FLOAT"
    if dtype == pl.Boolean:
        return "BOOLEAN"
    if dtype == pl.String:
        return "VARCHAR"
    raise TypeError(f"no Snowflake type for silver column type {dtype}")


class SnowflakeWarehouse:
    """Silver tables and gold queries in one environment's Snowflake database."""

    def __init__(
        self,
        connect: ConnectionFactory,
        database: str,
        schemas: dict[str, str],
        env_key: str,
        dbt_schema: str | None = None,
    ) -> None:
        """``schemas`` maps the layers (silver, gold) to physical schemas; ``dbt_schema`` is dbt's target
        schema, which dbt creates beside them (dropped with them for a pull request)."""
        env = env_key.split("/")[0]
        if database.upper() != f"DB_{env.upper()}":
            raise OutsideEnvironmentError(
                f"Snowflake database {database} is not the {env!r} environment's DB_{env.upper()}"
            )
        pr = env_key.split("/")[1].replace("-", "") if "/" in env_key else None
        for layer, schema in {**schemas, "dbt target": dbt_schema or ""}.items():
            if pr and schema and pr not in schema.lower():
                raise OutsideEnvironmentError(f"{layer} schema {schema} is not pull request {pr}'s own")
        self._connect = connect
        self.database = database.upper()
        self.schemas = {layer: schema.upper() for layer, schema in schemas.items()}
        self.env_key = env_key
        self.dbt_schema = dbt_schema.upper() if dbt_schema else None

    def physical(self, sql: str) -> str:
        """``silver.x`` / ``gold.x`` → the environment's database and schemas."""
        return _LOGICAL.sub(lambda m: f"{self.database}.{self.schemas[m.group(1).lower()]}.", sql)

    @contextmanager
    def replacing_window(self, tables: tuple[str, ...], start: date, end: date) -> Iterator[SnowflakeWindowWriter]:
        """One transaction that replaces ``[start, end]`` in each of ``tables`` with what the caller adds."""
        with self._transaction(tables) as cur:
            for table in tables:
                cur.execute(
                    f"DELETE FROM {self._name(table)} WHERE production_date BETWEEN ? AND ?", _bindable([start, end])
                )
            yield SnowflakeWindowWriter(self, cur, tables)

    def reads_lake_files(self, lake: object) -> bool:
        """Never: Snowflake receives a copy of silver (an external stage over the lake is not set up)."""
        return False

    def replace_all(self, table: str, frame: pl.DataFrame) -> None:
        """Replace every row of ``silver.<table>``."""
        with self._transaction((table,)) as cur:
            cur.execute(f"DELETE FROM {self._name(table)}")
            self._insert(cur, table, frame)

    @contextmanager
    def _transaction(self, tables: tuple[str, ...]) -> Iterator[Any]:
        """A cursor inside BEGIN … COMMIT (ROLLBACK on any error), the silver tables created beforehand."""
        for table in tables:
            check_table(table)
        with self._connect() as con:
            cur = con.cursor()
            self._create(cur, tables)  # DDL commits an open transaction in Snowflake: before BEGIN
            cur.execute("BEGIN")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: list[object] | None = None) -> pl.DataFrame:
        """Run a parameterised query (``?`` placeholders) and return a polars frame with lower-case columns."""
        with self.reading() as reader:
            return reader.query(sql, params)

    @contextmanager
    def reading(self) -> Iterator[WarehouseReader]:
        """One connection for several queries (a question, a snapshot), closed afterwards."""
        with self._connect() as con:
            yield WarehouseReader(lambda sql, params: self._fetch(con, sql, params))

    def change_marker(self) -> tuple[object, ...] | None:
        """Changes whenever a gold table is rebuilt (latest ``last_altered`` and table count)."""
        sql = (
            f"SELECT max(last_altered) AS altered, count(*) AS n FROM {self.database}.information_schema.tables "
            "WHERE table_schema = ?"
        )
        altered, tables = self.query(sql, [self.schemas["gold"]]).row(0)
        return (altered, tables) if tables else None

    def _fetch(self, con: Any, sql: str, params: list[object]) -> pl.DataFrame:
        cur = con.cursor()
        cur.execute(self.physical(sql), _bindable(params))
        # Arrow keeps the column types even when no row comes back (an empty quarantine is normal).
        frame = pl.from_arrow(cur.fetch_arrow_all(force_return_table=True))
        return frame.rename({name: name.lower() for name in frame.columns})

    def gold_tables(self) -> set[str]:
        """Names of the tables dbt has built in the environment's gold schema."""
        sql = f"SELECT lower(table_name) AS t FROM {self.database}.information_schema.tables WHERE table_schema = ?"
        return set(self.query(sql, [self.schemas["gold"]])["t"].to_list())

    def drop_schemas(self) -> list[str]:
        """Drop a pull request's silver and gold schemas (a closed branch deployment); returns their names."""
        if "/" not in self.env_key:
            raise OutsideEnvironmentError(f"refusing to drop the {self.env_key!r} environment's schemas")
        owned = [*self.schemas.values(), *([self.dbt_schema] if self.dbt_schema else [])]
        dropped = [f"{self.database}.{schema}" for schema in owned]
        with self._connect() as con:
            cur = con.cursor()
            for name in dropped:
                cur.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        return dropped

    def _name(self, table: str) -> str:
        return f"{self.database}.{self.schemas['silver']}.{table.upper()}"

    def _create(self, cur: Any, tables: tuple[str, ...]) -> None:
        """The silver schema and tables, from the silver contracts (silver_schema.py)."""
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {self.database}.{self.schemas['silver']}")
        for table in tables:
            columns = ", ".join(f"{name} {snowflake_type(dtype)}" for name, dtype in WAREHOUSE_TABLES[table].items())
            cur.execute(f"CREATE TABLE IF NOT EXISTS {self._name(table)} ({columns})")

    def _insert(self, cur: Any, table: str, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        # Dates and timestamps travel as ISO text, which Snowflake casts on insert: the connector's own
        # binding of a date (epoch milliseconds) is not understood by every Snowflake-protocol server.
        temporal = [name for name, dtype in frame.schema.items() if dtype == pl.Date or isinstance(dtype, pl.Datetime)]
        frame = frame.with_columns(pl.col(name).dt.to_string("iso") for name in temporal) if temporal else frame
        names = ", ".join(frame.columns)
        marks = ", ".join("?" for _ in frame.columns)
        statement = f"INSERT INTO {self._name(table)} ({names}) VALUES ({marks})"
        for offset in range(0, frame.height, _BATCH):
            cur.executemany(statement, frame.slice(offset, _BATCH).rows())


class SnowflakeWindowWriter:
    """Adds rows inside :meth:`SnowflakeWarehouse.replacing_window`'s transaction."""

    def __init__(self, warehouse: SnowflakeWarehouse, cur: Any, tables: tuple[str, ...]) -> None:
        self._warehouse, self._cur, self._tables = warehouse, cur, tables

    def add(self, table: str, frame: pl.DataFrame) -> None:
        """Insert ``frame`` into ``silver.<table>`` (created from its silver contract)."""
        if table not in self._tables:
            raise ValueError(f"{table!r} is not one of the tables this window replaces")
        self._warehouse._insert(self._cur, table, frame)


def endpoint_args(host: str | None, port: int | None, protocol: str | None) -> dict[str, Any]:
    """The connector's host/port/protocol, only those set (else the account's own endpoint)."""
    return {k: v for k, v in {"host": host, "port": port, "protocol": protocol}.items() if v}


def connection_factory(settings: Settings, login_timeout: int | None = None) -> ConnectionFactory:
    """Connections for the CLI and the API, from the same variables as dbt's profile and Dagster's resource.
    ``login_timeout`` (seconds) bounds a readiness probe: the connector otherwise retries for minutes."""
    extra = endpoint_args(settings.snowflake_host, settings.snowflake_port, settings.snowflake_protocol)
    optional = {"role": settings.snowflake_role, "warehouse": settings.snowflake_warehouse}
    extra |= {k: v for k, v in optional.items() if v}
    if login_timeout:
        extra |= {"login_timeout": login_timeout, "network_timeout": login_timeout}

    def connect() -> AbstractContextManager[Any]:
        import snowflake.connector

        return snowflake.connector.connect(
            **snowflake_credentials(), database=settings.snowflake_database, paramstyle="qmark", **extra
        )

    return connect


def _bindable(params: list[object]) -> list[object]:
    """Query parameters with dates as ISO text (see ``_insert``)."""
    return [p.isoformat() if isinstance(p, date) else p for p in params]
