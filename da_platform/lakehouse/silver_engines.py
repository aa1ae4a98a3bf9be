"""Where bronze → silver runs: in this process (polars) or on Spark (the PySpark API over Spark Connect).

Both engines apply the same rules, :func:`~da_platform.lakehouse.cleaning.conform_daily`. Spark
distributes that one function by calendar month (``groupBy(month).applyInArrow``) instead of keeping a
second copy of the rules in Spark SQL that could drift from the first. Every rule looks at one row or at
one well-day (the latest report wins within a well-day), so a month holds all a rule needs and the
result does not depend on how the days are grouped. The engine also writes the three silver tables, so
on Spark the heavy part never passes through the driver; the window is read back afterwards for the
quality checks and the warehouse.

Spark Connect (``sc://host:port``) reaches a Sail cluster, Spark 3.4+ or EMR; ``local`` starts Sail
(``pysail``) inside this process, which is what dev and the parity tests use. Workers must have
``da_platform`` installed, as for any Python UDF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

import polars as pl
import pyarrow as pa

from da_platform.ingest.bronze import DAILY_TABLE as BRONZE_DAILY
from da_platform.lakehouse import silver_schema as schema
from da_platform.lakehouse.cleaning import SilverResult, conform_daily
from da_platform.lakehouse.delta_lake import Lake
from da_platform.lakehouse.write_behind import WriteBehind

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DESTINATIONS: dict[str, dict[str, pl.DataType]] = {
    "well_day_production": schema.WELL_DAY_PRODUCTION,
    "well_day_injection": schema.WELL_DAY_INJECTION,
    "quarantine": schema.QUARANTINE,
}
SPARK_STAGING = "silver/_spark_staging/well_days"
BATCH_ROWS = 250_000  # bronze rows the embedded engine conforms and writes at once (a month is never split)

_SPARK_TYPES = {pl.String(): "string", pl.Int64(): "bigint", pl.Float64(): "double", pl.Date(): "date"}


@dataclass(frozen=True)
class ConformedMonths:
    """What whole calendar months of a window (clipped to it) became: the bronze rows read and where each
    of them went."""

    first: date
    last: date
    bronze_rows: int
    result: SilverResult

    @property
    def label(self) -> str:
        """The months covered, for messages: ``2014-05`` or ``2014-05..2014-09``."""
        if self.first.replace(day=1) == self.last.replace(day=1):
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m}..{self.last:%Y-%m}"


class SilverEngine(Protocol):
    """Conforms the bronze rows of a window of days and replaces that window in the silver tables."""

    name: str

    def conform_window(self, lake: Lake, register: pl.DataFrame, first: date, last: date) -> Iterator[ConformedMonths]:
        """Apply the cleaning rules to ``[first, last]``, write silver, and yield the result in runs of whole
        months, so that a backfill of years never holds more than a bounded number of rows in this process.
        """
        ...


def window_predicate(first: date, last: date) -> str:
    """The Delta predicate of a window of days (built from dates, never from user text)."""
    return f"production_date >= '{first.isoformat()}' AND production_date <= '{last.isoformat()}'"


def months_of(first: date, last: date) -> list[tuple[date, date]]:
    """The calendar months overlapping ``[first, last]``, each clipped to the window."""
    months = []
    start = first
    while start <= last:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        months.append((start, min(last, following - timedelta(days=1))))
        start = following
    return months


def spans_of(months: list[tuple[date, date]], rows: Mapping[date, int], limit: int) -> list[tuple[date, date]]:
    """Consecutive ``months`` joined into spans of at most ``limit`` rows in all (``rows`` by the first of
    the month; a month over the limit is a span of its own)."""
    spans: list[tuple[date, date]] = []
    total = 0
    for start, end in months:
        n = rows.get(start.replace(day=1), 0)
        if spans and total + n <= limit:
            spans[-1] = (spans[-1][0], end)
            total += n
        else:
            spans.append((start, end))
            total = n
    return spans


def _replace_span(lake: Lake, result: SilverResult, predicate: str) -> None:
    """Replace one span's rows in the three silver tables."""
    for table, frame in by_destination(result).items():
        lake.replace_where(f"silver/{table}", frame, predicate)


class EmbeddedSilverEngine:
    """polars in this process: the dev default, and the reference the Spark path is compared with."""

    name = "embedded"

    def __init__(self, batch_rows: int = BATCH_ROWS) -> None:
        self.batch_rows = batch_rows

    def conform_window(self, lake: Lake, register: pl.DataFrame, first: date, last: date) -> Iterator[ConformedMonths]:
        """Per span of months of at most ``batch_rows`` bronze rows: read it from bronze, conform it,
        replace it in the three silver tables.

        Spans rather than single months: each replace is a Delta commit of three tables, and a commit per
        month would be most of the time of a backfill of a small field's years.
        """
        admitted = (
            lake.scan(BRONZE_DAILY).filter(pl.col("admitted") & pl.col("production_date").is_between(first, last))
            if lake.exists(BRONZE_DAILY)
            else None
        )
        counts: dict[date, int] = {}
        if admitted is not None:
            by_month = admitted.group_by(pl.col("production_date").dt.truncate("1mo").alias("m")).len().collect()
            counts = dict(by_month.iter_rows())
        # A span is conformed while the previous one is written (write_behind says why), and handed to the
        # caller only once its writes are done.
        previous: ConformedMonths | None = None
        with WriteBehind() as writes:
            for start, end in spans_of(months_of(first, last), counts, self.batch_rows):
                bronze = (
                    admitted.filter(pl.col("production_date").is_between(start, end)).collect()
                    if admitted is not None
                    else pl.DataFrame()
                )
                result = conform_daily(bronze, register) if bronze.height else SilverResult.empty()
                writes.submit(_replace_span, lake, result, window_predicate(start, end))  # after the last write
                if previous is not None:
                    yield previous  # the submit above waited for its writes
                previous = ConformedMonths(start, end, bronze.height, result)
        if previous is not None:
            yield previous


class SparkSilverEngine:
    """The same rules run by Spark workers, month by month, with Spark reading and writing the Delta tables."""

    name = "spark"

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def conform_window(self, lake: Lake, register: pl.DataFrame, first: date, last: date) -> Iterator[ConformedMonths]:
        """Conform ``[first, last]`` on Spark, stage once, replace the window in each silver table, then
        read the result back month by month for the checks and the warehouse."""
        from pyspark.sql import functions as F

        if not lake.exists(BRONZE_DAILY):
            yield from EmbeddedSilverEngine().conform_window(lake, register, first, last)
            return
        bronze = (
            self.spark.read.format("delta")
            .load(lake.uri(BRONZE_DAILY))
            .filter(F.col("admitted") & F.col("production_date").between(F.lit(first), F.lit(last)))
            .withColumn("_month", F.trunc("production_date", "month"))
        )
        bronze_rows = {row["_month"]: row["count"] for row in bronze.groupBy("_month").count().collect()}
        conformed = bronze.groupBy("_month").applyInArrow(_month_udf(register), staged_ddl())
        # Sail treats cache() as a no-op, so the conformed rows are written once to a staging table and
        # each destination is cut from it: the UDF runs once per month, not once per silver table.
        staging = lake.uri(SPARK_STAGING)
        conformed.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(staging)
        predicate = window_predicate(first, last)
        staged = self.spark.read.format("delta").load(staging)
        for table, contract in DESTINATIONS.items():
            rows = staged.filter(F.col("_destination") == table).select(*contract)
            writer = rows.write.format("delta").mode("overwrite" if lake.exists(f"silver/{table}") else "append")
            if lake.exists(f"silver/{table}"):
                writer = writer.option("replaceWhere", predicate)
            writer.save(lake.uri("silver", table))
        for start, end in months_of(first, last):
            month = date(start.year, start.month, 1)
            yield ConformedMonths(start, end, bronze_rows.get(month, 0), read_window(lake, start, end))


def read_window(lake: Lake, first: date, last: date) -> SilverResult:
    """The silver rows of ``[first, last]`` as the lake holds them, in the embedded engine's order."""
    frames = {}
    for table, contract in DESTINATIONS.items():
        name = f"silver/{table}"
        frame = (
            lake.scan(name).filter(pl.col("production_date").is_between(first, last)).collect()
            if lake.exists(name)
            else pl.DataFrame(schema=contract)
        )
        frames[table] = frame.select([pl.col(c).cast(t) for c, t in contract.items()])
    return SilverResult(
        production=frames["well_day_production"].sort("production_date", "well_id"),
        injection=frames["well_day_injection"].sort("production_date", "well_id"),
        quarantine=frames["quarantine"].sort("source_file", "source_row", "source_sha256"),
    )


def staged_columns() -> dict[str, pl.DataType]:
    """One wide row shape for all three destinations (``_destination`` says which), as Spark UDFs return one."""
    columns: dict[str, pl.DataType] = {"_destination": pl.String()}
    for contract in DESTINATIONS.values():
        for column, dtype in contract.items():
            if columns.setdefault(column, dtype) != dtype:
                raise TypeError(f"silver column {column} has two types: {columns[column]} and {dtype}")
    return columns


def staged_ddl() -> str:
    """The Spark DDL of :func:`staged_columns`."""
    return ", ".join(f"{c} {_SPARK_TYPES[t]}" for c, t in staged_columns().items())


def conform_month(bronze: pa.Table, register: pl.DataFrame) -> pa.Table:
    """The Spark UDF: one month of bronze rows in, its silver and quarantine rows out (one wide table)."""
    frame = pl.from_arrow(bronze)
    assert isinstance(frame, pl.DataFrame)
    result = conform_daily(frame.drop("_month", strict=False), register) if frame.height else SilverResult.empty()
    columns = staged_columns()
    stacked = pl.concat(
        [
            rows.with_columns(_destination=pl.lit(table)).select(
                [
                    pl.col(c) if c in rows.columns or c == "_destination" else pl.lit(None, dtype=t).alias(c)
                    for c, t in columns.items()
                ]
            )
            for table, rows in by_destination(result).items()
        ]
    )
    # Spark checks the returned Arrow types exactly: plain string, not polars' large_string.
    target = pa.schema([pa.field(c, _ARROW_TYPES[t]) for c, t in columns.items()])
    return stacked.to_arrow().cast(target)


def _month_udf(register: pl.DataFrame) -> Callable[[pa.Table], pa.Table]:
    # A closure, not functools.partial: pyspark 4.2 fails to inspect a partial's signature.
    def udf(bronze: pa.Table) -> pa.Table:
        return conform_month(bronze, register)

    return udf


_ARROW_TYPES = {pl.String(): pa.string(), pl.Int64(): pa.int64(), pl.Float64(): pa.float64(), pl.Date(): pa.date32()}


def by_destination(result: SilverResult) -> dict[str, pl.DataFrame]:
    """The three frames of a result keyed by their silver table (the keys of :data:`DESTINATIONS`)."""
    return {
        "well_day_production": result.production,
        "well_day_injection": result.injection,
        "quarantine": result.quarantine,
    }


@contextmanager
def spark_session(remote: str) -> Iterator[SparkSession]:
    """A Spark Connect session: ``local`` starts Sail in this process on 127.0.0.1, else ``sc://...``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise RuntimeError(
            "DATALIVE_SPARK_REMOTE is set but the Spark extra is not installed: pip install 'datalive[spark]'"
        ) from exc

    server = None
    if remote == "local":
        from pysail.spark import SparkConnectServer

        server = SparkConnectServer("127.0.0.1", 0)
        server.start(background=True)
        _, port = server.listening_address
        remote = f"sc://127.0.0.1:{port}"
    spark = SparkSession.builder.remote(remote).getOrCreate()
    try:
        yield spark
    finally:
        spark.stop()
        if server is not None:
            server.stop()
