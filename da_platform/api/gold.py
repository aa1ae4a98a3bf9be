"""Gold as the API reads it: a read-only snapshot of the daily facts, reloaded when the warehouse changes.

Why a snapshot and not a query per request:

- DuckDB lets one process write a database file *or* several read it. A server holding the file open would
  lock ``datalive run`` out of its own warehouse; opening it per request costs more than the whole answer.
  So the reader opens the file read-only, copies the few gold tables it serves (fixed SQL, no input in it),
  closes it, and re-reads only when the file's size or modification time changes (checked at most once a second).
  While a run holds the file the last snapshot keeps being served.
- A filtered slice of a few thousand rows in memory is far cheaper than a DuckDB query per request, which
  alone would keep the service below its throughput target (``benchmarks/api_load.py`` measures it; the
  figures are in the README).

Filters are applied with polars expressions on typed values (dates, names checked by the route), never by
building SQL from input. The variances are computed once per snapshot, for every product:
previous calendar day (null when the day before has no row), gold's trailing 7-day average, and "plan".

"Plan": Volve ships no budget or production plan. The only operator target in the data is the reported
monthly sheet (``reported_<product>_sm3`` of ``gold.fct_{well,field}_monthly_production``), so plan is that
month's reported volume spread evenly over the month's calendar days (``plan_basis`` in every answer).
When an operator lands a real plan, this is the one place to change.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from da_platform.lakehouse.warehouse import Warehouse

PLAN_BASIS = "reported_monthly_volume_per_day"
PRODUCTS = ("oil", "gas", "water")
log = logging.getLogger("datalive.api")

_COMMON = ["production_date", "field_id", "uptime", "water_cut", "gor", "on_stream_hrs", "downtime_hrs"]
_VOLUMES = [f"{p}_sm3" for p in PRODUCTS] + [f"{p}_sm3_ma7" for p in PRODUCTS]
_WELL_SQL = f"""
SELECT {", ".join(["well_id", *_COMMON, *_VOLUMES])}
FROM gold.fct_well_daily_production
"""
_FIELD_SQL = f"""
SELECT {", ".join(_COMMON + _VOLUMES)}
FROM gold.fct_field_daily_production
"""
_WELL_MONTHLY_SQL = """
SELECT well_id, month_start, days_in_month, reported_oil_sm3, reported_gas_sm3, reported_water_sm3
FROM gold.fct_well_monthly_production
"""
_FIELD_MONTHLY_SQL = """
SELECT field_id, month_start, days_in_month, reported_oil_sm3, reported_gas_sm3, reported_water_sm3
FROM gold.fct_field_monthly_production
"""
_DIM_WELL_SQL = """
SELECT well_id, field_id, well_type, first_production_date, last_production_date
FROM gold.dim_well
ORDER BY well_id
"""

_OUTPUT = [
    "production_date",
    "field_id",
    "well_id",
    "product",
    "volume_sm3",
    "uptime",
    "water_cut",
    "gor",
    "on_stream_hrs",
    "downtime_hrs",
    "previous_day_sm3",
    "change_vs_previous_day_sm3",
    "change_vs_previous_day_pct",
    "avg_7d_sm3",
    "change_vs_avg_7d_sm3",
    "change_vs_avg_7d_pct",
    "plan_sm3",
    "change_vs_plan_sm3",
    "change_vs_plan_pct",
]


class GoldUnavailable(RuntimeError):
    """No gold to serve yet (no warehouse, or it has never been readable)."""


@dataclass(frozen=True)
class _Slices:
    """One level × product in output form, sorted by date, field, well; with its days as integers for
    binary search, and the same per field and per well."""

    frame: pl.DataFrame
    days: np.ndarray
    by_entity: dict[tuple[str, str], tuple[pl.DataFrame, np.ndarray]]


@dataclass(frozen=True)
class GoldSnapshot:
    """The daily facts of both levels with every product's variances precomputed, plus the well catalog."""

    levels: dict[str, pl.DataFrame]
    wells: pl.DataFrame
    loaded_at: float
    slices: dict[tuple[str, str], _Slices]

    @property
    def well_days(self) -> int:
        return self.levels["well"].height


def _days(frame: pl.DataFrame) -> np.ndarray:
    return frame["production_date"].cast(pl.Int32).to_numpy()


def _slices(frame: pl.DataFrame, product: str) -> _Slices:
    out = _output(frame, product).sort("production_date", "field_id", "well_id")
    by_entity: dict[tuple[str, str], tuple[pl.DataFrame, np.ndarray]] = {}
    for column in ("field_id", "well_id"):
        for (value,), part in out.group_by(column, maintain_order=True):
            if value is not None:
                by_entity[(column, value)] = (part, _days(part))
    return _Slices(out, _days(out), by_entity)


def _with_variances(daily: pl.DataFrame, monthly: pl.DataFrame, key: str) -> pl.DataFrame:
    """Add per product: previous calendar day, and plan (reported month / days in month)."""
    previous = daily.select(
        key,
        (pl.col("production_date") + pl.duration(days=1)).cast(pl.Date).alias("production_date"),
        *[pl.col(f"{p}_sm3").alias(f"{p}_prev_sm3") for p in PRODUCTS],
    )
    plan = monthly.select(
        key,
        pl.col("month_start").cast(pl.Date),
        *[(pl.col(f"reported_{p}_sm3") / pl.col("days_in_month")).alias(f"{p}_plan_sm3") for p in PRODUCTS],
    )
    return (
        daily.with_columns(pl.col("production_date").cast(pl.Date))
        .join(previous, on=[key, "production_date"], how="left")
        .with_columns(month_start=pl.col("production_date").dt.month_start())
        .join(plan, on=[key, "month_start"], how="left")
        .drop("month_start")
        .sort(key, "production_date")
    )


def load_snapshot(warehouse: Warehouse) -> GoldSnapshot:
    """Read the served gold tables once (read-only connection, closed before returning)."""
    with warehouse.reading() as reader:
        well = reader.query(_WELL_SQL)
        field = reader.query(_FIELD_SQL)
        well_monthly = reader.query(_WELL_MONTHLY_SQL)
        field_monthly = reader.query(_FIELD_MONTHLY_SQL)
        wells = reader.query(_DIM_WELL_SQL)
    field = field.with_columns(well_id=pl.lit(None, dtype=pl.String))
    levels = {
        "well": _with_variances(well, well_monthly, "well_id"),
        "field": _with_variances(field, field_monthly, "field_id"),
    }
    return GoldSnapshot(
        levels=levels,
        wells=wells,
        loaded_at=time.time(),
        slices={(level, p): _slices(frame, p) for level, frame in levels.items() for p in PRODUCTS},
    )


class GoldReader:
    """Hands out the current snapshot; reloads it when the warehouse file changed."""

    def __init__(self, warehouse: Warehouse, check_every_s: float = 1.0) -> None:
        self.warehouse = warehouse
        self.check_every_s = check_every_s
        self._snapshot: GoldSnapshot | None = None
        self._signature: tuple[object, ...] | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def _file_signature(self) -> tuple[object, ...] | None:
        try:
            return self.warehouse.change_marker()
        except Exception as exc:  # a warehouse server that does not answer: keep serving what was read
            self.last_error = type(exc).__name__
            return self._signature

    def snapshot(self) -> GoldSnapshot:
        """The latest readable gold; :class:`GoldUnavailable` if there has never been any."""
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked_at < self.check_every_s:
            return self._snapshot
        with self._lock:
            if self._snapshot is not None and now - self._checked_at < self.check_every_s:
                return self._snapshot
            self._checked_at = now
            signature = self._file_signature()
            if signature is not None and signature != self._signature:
                try:
                    self._snapshot = load_snapshot(self.warehouse)
                    self._signature = signature
                    self.last_error = None
                except Exception as exc:  # a run holding the write lock, or gold not built yet
                    self.last_error = type(exc).__name__
                    log.warning(
                        "gold snapshot not refreshed",
                        extra={"event": "gold_reload_failed", "error_type": type(exc).__name__},
                    )
            elif signature is None:
                self.last_error = "no warehouse"
        if self._snapshot is None:
            raise GoldUnavailable("no gold in this environment yet: run `datalive run`")
        return self._snapshot


@dataclass(frozen=True)
class InsightsQuery:
    level: str
    product: str
    field: str | None = None
    well: str | None = None
    start: date | None = None
    end: date | None = None
    page: int = 1
    page_size: int = 100


def _pct(change: pl.Expr, base: pl.Expr) -> pl.Expr:
    return pl.when(base != 0).then(100 * change / base).otherwise(None)


def _output(frame: pl.DataFrame, p: str) -> pl.DataFrame:
    """The served columns for product ``p``: its volume and the three variances, absolute and in %."""
    volume, previous, avg7, plan = (
        pl.col(f"{p}_sm3"),
        pl.col(f"{p}_prev_sm3"),
        pl.col(f"{p}_sm3_ma7"),
        pl.col(f"{p}_plan_sm3"),
    )
    return frame.select(
        "production_date",
        "field_id",
        "well_id",
        pl.lit(p).alias("product"),
        volume.alias("volume_sm3"),
        "uptime",
        "water_cut",
        "gor",
        "on_stream_hrs",
        "downtime_hrs",
        previous.alias("previous_day_sm3"),
        (volume - previous).alias("change_vs_previous_day_sm3"),
        _pct(volume - previous, previous).alias("change_vs_previous_day_pct"),
        avg7.alias("avg_7d_sm3"),
        (volume - avg7).alias("change_vs_avg_7d_sm3"),
        _pct(volume - avg7, avg7).alias("change_vs_avg_7d_pct"),
        plan.alias("plan_sm3"),
        (volume - plan).alias("change_vs_plan_sm3"),
        _pct(volume - plan, plan).alias("change_vs_plan_pct"),
    ).select(_OUTPUT)


_EPOCH = date(1970, 1, 1)


def insights(snapshot: GoldSnapshot, query: InsightsQuery, paginate: bool = True) -> tuple[pl.DataFrame, int]:
    """The rows of one page (or all rows, for exports) and the total matching the filters.

    The well (else field) filter picks a precomputed slice, the date range is a binary search on its
    sorted days, the page a slice of that: no scan of the table per request.
    """
    slices = snapshot.slices[(query.level, query.product)]
    if query.well is not None:
        frame, days = slices.by_entity.get(("well_id", query.well), (slices.frame.clear(), slices.days[:0]))
        if query.field is not None and frame.height and frame["field_id"][0] != query.field:
            frame, days = frame.clear(), days[:0]
    elif query.field is not None:
        frame, days = slices.by_entity.get(("field_id", query.field), (slices.frame.clear(), slices.days[:0]))
    else:
        frame, days = slices.frame, slices.days
    lo = 0 if query.start is None else int(np.searchsorted(days, (query.start - _EPOCH).days, side="left"))
    hi = len(days) if query.end is None else int(np.searchsorted(days, (query.end - _EPOCH).days, side="right"))
    total = max(0, hi - lo)
    if paginate:
        offset = lo + (query.page - 1) * query.page_size
        return frame.slice(offset, max(0, min(query.page_size, hi - offset))), total
    return frame.slice(lo, total), total
