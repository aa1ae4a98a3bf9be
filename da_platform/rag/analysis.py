"""Facts computed from gold before any text is retrieved: variance decomposition of production changes.

A well's volume over a period is ``rate × uptime`` (rate: volume per full on-stream day; uptime: on-stream
hours over calendar hours). A change between two periods splits exactly into

* uptime effect = Δuptime × mean(rate)   and   * rate effect = Δrate × mean(uptime)

(the symmetric, midpoint decomposition: the two effects add up to the change with no residual). A well
with no on-stream time in one period has no rate there, so its whole change is uptime. The primary driver
of a field change is the well with the largest change in the direction of the field's change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from da_platform.lakehouse.warehouse import Warehouse
from da_platform.rag.documents import FIELD_DAY_TABLE, WELL_DAY_TABLE, WELL_MONTH_TABLE
from da_platform.rag.events import Event

PRODUCTS = ("oil", "gas", "water")


@dataclass(frozen=True)
class Fact:
    """One value read or derived from gold: which table, which row keys, which column."""

    table: str
    keys: dict[str, Any]
    column: str
    value: float | int | str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (keys as given, dates as ISO strings)."""
        return {
            "table": self.table,
            "keys": {k: v.isoformat() if isinstance(v, date) else v for k, v in self.keys.items()},
            "column": self.column,
            "value": self.value,
        }


@dataclass(frozen=True)
class WellChange:
    """One well's change between two periods and its split into rate and uptime effects."""

    well_id: str
    before: float
    after: float
    uptime_before: float
    uptime_after: float
    rate_effect: float
    uptime_effect: float

    @property
    def change(self) -> float:
        """after − before."""
        return self.after - self.before

    @property
    def mechanism(self) -> str:
        """``uptime`` when on-stream time explains more of the change than the rate, else ``rate``."""
        return "uptime" if abs(self.uptime_effect) >= abs(self.rate_effect) else "rate"


@dataclass
class ChangeAnalysis:
    """A change of a field or a well between two periods, decomposed by well."""

    scope: str  # field id or well id
    scope_kind: str  # "field" | "well"
    product: str
    period: str  # the day (YYYY-MM-DD) or month (YYYY-MM) asked about
    previous: str
    total_before: float
    total_after: float
    wells: list[WellChange]
    facts: list[Fact] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def change(self) -> float:
        """Total after − before."""
        return self.total_after - self.total_before

    @property
    def direction(self) -> str:
        """``down``, ``up`` or ``flat`` (within 0.05, the shown rounding)."""
        return "flat" if abs(self.change) < 0.05 else ("down" if self.change < 0 else "up")

    @property
    def drivers(self) -> list[WellChange]:
        """Wells that moved in the direction of the total, largest first (all wells by size if flat)."""
        sign = -1 if self.change < 0 else 1
        moving = [w for w in self.wells if w.change * sign > 0.05] if self.direction != "flat" else list(self.wells)
        return sorted(moving, key=lambda w: (-abs(w.change), w.well_id))


def decompose(well_id: str, before: float, after: float, uptime_before: float, uptime_after: float) -> WellChange:
    """Split ``after − before`` into rate and uptime effects (exact: they sum to the change)."""
    rate_before = before / uptime_before if uptime_before > 0 else None
    rate_after = after / uptime_after if uptime_after > 0 else None
    if rate_before is None or rate_after is None:
        # No on-stream time on one side: there is no rate to compare, the whole change is uptime.
        return WellChange(well_id, before, after, uptime_before, uptime_after, 0.0, after - before)
    uptime_effect = (uptime_after - uptime_before) * (rate_before + rate_after) / 2
    rate_effect = (rate_after - rate_before) * (uptime_before + uptime_after) / 2
    return WellChange(well_id, before, after, uptime_before, uptime_after, rate_effect, uptime_effect)


class GoldFacts:
    """Read-only access to the gold tables the engine needs, through bound parameters only."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        rows = warehouse.query("SELECT well_id, wellbore_code, field_id, well_type FROM gold.dim_well").to_dicts()
        self.wells: dict[str, str | None] = {r["well_id"]: r["wellbore_code"] for r in rows}
        self.field_of: dict[str, str] = {r["well_id"]: r["field_id"] for r in rows}
        self.fields: tuple[str, ...] = tuple(sorted({r["field_id"] for r in rows if r["field_id"]}))
        span = warehouse.query(
            f"SELECT min(production_date) AS first, max(production_date) AS last FROM {WELL_DAY_TABLE}"
        ).row(0)
        self.first_day: date | None = span[0]
        self.last_day: date | None = span[1]
        self._days: set[date] | None = None
        # Per thread: an API server answers questions concurrently and DuckDB connections are not shared.
        self._local = threading.local()

    @contextmanager
    def session(self) -> Iterator[None]:
        """One read-only connection for the queries of one question (opening one costs more than a query).

        Connections are never kept between questions: a reader holding the file would block the
        pipeline's next write to the warehouse.
        """
        if getattr(self._local, "con", None) is not None:
            yield
            return
        with self.warehouse.reading() as reader:
            self._local.con = reader
            try:
                yield
            finally:
                self._local.con = None

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        """A parameterised query on the question's open session (or its own connection outside one)."""
        return self._query(sql, params)

    def _query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        reader = getattr(self._local, "con", None)
        if reader is None:
            return self.warehouse.query(sql, params)
        return reader.query(sql, params)

    def production_days(self) -> set[date]:
        """Every day with a row in the field daily table (for the 'dates named exist' check)."""
        if self._days is None:
            frame = self._query(f"SELECT DISTINCT production_date FROM {FIELD_DAY_TABLE}")
            self._days = set(frame["production_date"].to_list())
        return self._days

    def _column(self, product: str) -> str:
        if product not in PRODUCTS:
            raise ValueError(f"unknown product {product!r}")
        return f"{product}_sm3"

    def well_day(self, well_id: str, day: date) -> dict[str, Any] | None:
        """A well's gold row for one day, or None."""
        frame = self._query(f"SELECT * FROM {WELL_DAY_TABLE} WHERE well_id = ? AND production_date = ?", [well_id, day])
        return frame.row(0, named=True) if frame.height else None

    def field_day(self, field_id: str, day: date) -> dict[str, Any] | None:
        """A field's gold row for one day, or None."""
        frame = self._query(
            f"SELECT * FROM {FIELD_DAY_TABLE} WHERE field_id = ? AND production_date = ?", [field_id, day]
        )
        return frame.row(0, named=True) if frame.height else None

    def previous_day(self, day: date, well_id: str | None = None) -> date | None:
        """The latest reported day before ``day`` (for the field, or for one well)."""
        frame = self._query(
            f"SELECT max(production_date) AS d FROM {WELL_DAY_TABLE} WHERE production_date < ? "
            "AND (? IS NULL OR well_id = ?)",
            [day, well_id, well_id],
        )
        return frame.row(0)[0]

    def day_change(self, day: date, product: str, field_id: str | None, well_id: str | None) -> ChangeAnalysis | None:
        """Change of a field's (or one well's) volume on ``day`` versus the previous reported day."""
        column = self._column(product)
        previous = self.previous_day(day, well_id)
        if previous is None:
            return None
        frame = self._query(
            f"SELECT production_date, well_id, field_id, {column} AS volume, on_stream_hrs, day_hours "
            f"FROM {WELL_DAY_TABLE} WHERE production_date IN (?, ?) AND (? IS NULL OR well_id = ?) "
            "AND (? IS NULL OR field_id = ?) ORDER BY well_id, production_date",
            [previous, day, well_id, well_id, field_id, field_id],
        )
        if frame.filter(frame["production_date"] == day).height == 0:
            return None
        rows: dict[str, dict[date, dict[str, Any]]] = {}
        for row in frame.iter_rows(named=True):
            rows.setdefault(row["well_id"], {})[row["production_date"]] = row
        facts: list[Fact] = []
        changes = []
        for wid, by_day in sorted(rows.items()):
            vals = []
            for d in (previous, day):
                row = by_day.get(d)
                volume = (row["volume"] or 0.0) if row else 0.0
                hours = (row["on_stream_hrs"] or 0.0) if row else 0.0
                uptime = hours / row["day_hours"] if row and row["day_hours"] else 0.0
                keys = {"well_id": wid, "production_date": d.isoformat()}
                facts.append(Fact(WELL_DAY_TABLE, keys, column, round(volume, 4)))
                facts.append(Fact(WELL_DAY_TABLE, keys, "on_stream_hrs", round(hours, 4)))
                vals.append((volume, uptime))
            changes.append(decompose(wid, vals[0][0], vals[1][0], vals[0][1], vals[1][1]))
        total_before = sum(c.before for c in changes)
        total_after = sum(c.after for c in changes)
        scope = well_id or field_id or "all wells"
        return ChangeAnalysis(
            scope=scope,
            scope_kind="well" if well_id else "field",
            product=product,
            period=day.isoformat(),
            previous=previous.isoformat(),
            total_before=total_before,
            total_after=total_after,
            wells=changes,
            facts=facts,
        )

    def month_change(
        self, year: int, month: int, product: str, field_id: str | None, well_id: str | None
    ) -> ChangeAnalysis | None:
        """Change of a field's (or one well's) monthly volume versus the previous month."""
        column = self._column(product)
        start = date(year, month, 1)
        previous = date(year - (month == 1), 12 if month == 1 else month - 1, 1)
        frame = self._query(
            f"SELECT month_start, well_id, {column} AS volume, production_on_stream_hrs AS hours, days_in_month "
            f"FROM {WELL_MONTH_TABLE} WHERE month_start IN (?, ?) AND (? IS NULL OR well_id = ?) "
            "AND (? IS NULL OR field_id = ?) AND production_days > 0 ORDER BY well_id, month_start",
            [previous, start, well_id, well_id, field_id, field_id],
        )
        if (
            frame.filter(frame["month_start"] == start).height == 0
            or frame.filter(frame["month_start"] == previous).height == 0
        ):
            return None
        rows: dict[str, dict[date, dict[str, Any]]] = {}
        for row in frame.iter_rows(named=True):
            rows.setdefault(row["well_id"], {})[row["month_start"]] = row
        days = {previous: _days_in_month(previous), start: _days_in_month(start)}
        facts, changes = [], []
        for wid, by_month in sorted(rows.items()):
            vals = []
            for m in (previous, start):
                row = by_month.get(m)
                volume = (row["volume"] or 0.0) if row else 0.0
                hours = (row["hours"] or 0.0) if row else 0.0
                keys = {"well_id": wid, "month": m.isoformat()[:7]}
                facts.append(Fact(WELL_MONTH_TABLE, keys, column, round(volume, 4)))
                facts.append(Fact(WELL_MONTH_TABLE, keys, "production_on_stream_hrs", round(hours, 4)))
                vals.append((volume, hours / (24 * days[m])))
            changes.append(decompose(wid, vals[0][0], vals[1][0], vals[0][1], vals[1][1]))
        return ChangeAnalysis(
            scope=well_id or field_id or "all wells",
            scope_kind="well" if well_id else "field",
            product=product,
            period=start.isoformat()[:7],
            previous=previous.isoformat()[:7],
            total_before=sum(c.before for c in changes),
            total_after=sum(c.after for c in changes),
            wells=changes,
            facts=facts,
        )


def _days_in_month(start: date) -> int:
    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return (nxt - start).days


def events_for(events: list[Event], wells: list[str], first: date, last: date) -> list[Event]:
    """Events on ``wells`` overlapping [first, last], in start order."""
    wanted = set(wells)
    return sorted(
        (e for e in events if e.well_id in wanted and e.start <= last and e.end >= first),
        key=lambda e: (e.start, e.event_id),
    )


def period_bounds(analysis: ChangeAnalysis) -> tuple[date, date]:
    """First and last day of the period asked about."""
    if len(analysis.period) == 10:
        day = date.fromisoformat(analysis.period)
        return day, day
    start = date.fromisoformat(analysis.period + "-01")
    return start, start + timedelta(days=_days_in_month(start) - 1)
