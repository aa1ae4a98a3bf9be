"""Is each layer's newest production day as recent as the environment promises?

A production day D is *due* ``window_hours`` after it ends (D + 1 at 00:00 UTC): from then on silver and
gold must hold it. Freshness is judged on the data itself (the newest ``production_date`` a layer holds),
not on whether a partition was materialized: the daily refresh schedule rebuilds yesterday's partition
every morning even when nothing landed, so a materialization alone would hide a landing that stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl

from da_platform import catalog

SILVER_TABLE = catalog.SILVER_PRODUCTION.path
GOLD_TABLE = catalog.GOLD_WELL_DAILY.name
LAYERS = ("silver", "gold")


@dataclass(frozen=True)
class Freshness:
    """The verdict on one layer at one moment."""

    layer: str
    newest_day: date | None
    due_day: date
    window_hours: int
    fresh: bool
    overdue_seconds: float  # 0 when fresh
    fresh_until: datetime | None  # when the next day falls due (None when already overdue)
    error: str | None = None  # the layer could not be read (exception type): neither fresh nor known stale

    def describe(self) -> str:
        """One sentence for the UI, `datalive status` and alerts."""
        if self.error:
            return f"{self.layer} could not be read ({self.error}); its freshness is unknown"
        held = self.newest_day.isoformat() if self.newest_day else "no day at all"
        if self.fresh:
            return f"{self.layer} holds {held}; production day {self.due_day} was due within {self.window_hours} h"
        return (
            f"{self.layer} is overdue by {self.overdue_seconds / 3600:.1f} h: it holds {held}, "
            f"but production day {self.due_day} was due within {self.window_hours} h of its end"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``datalive status --json``)."""
        return {
            "newest_day": self.newest_day.isoformat() if self.newest_day else None,
            "due_day": self.due_day.isoformat(),
            "window_hours": self.window_hours,
            "fresh": self.fresh,
            "overdue_hours": round(self.overdue_seconds / 3600, 2),
        } | ({"error": self.error} if self.error else {})


def _day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def due_day(now: datetime, window_hours: int) -> date:
    """The newest production day that must be held at ``now``: the last day that ended ``window_hours`` ago."""
    return (now.astimezone(UTC) - timedelta(hours=window_hours)).date() - timedelta(days=1)


def evaluate(layer: str, newest_day: date | None, now: datetime, window_hours: int) -> Freshness:
    """Fresh when the layer holds the day that is due; otherwise overdue since the first missing day fell due."""
    due = due_day(now, window_hours)
    window = timedelta(hours=window_hours)
    if newest_day is not None and newest_day >= due:
        return Freshness(
            layer, newest_day, due, window_hours, True, 0.0, _day_end(newest_day + timedelta(days=1)) + window
        )
    first_missing_due = _day_end(newest_day + timedelta(days=1)) + window if newest_day else _day_end(due) + window
    overdue = max(0.0, (now - first_missing_due).total_seconds())
    return Freshness(layer, newest_day, due, window_hours, False, overdue, None)


def hours_since_day_end(day: date | None, now: datetime) -> float | None:
    """Hours since a production day ended (the age of a layer's newest partition); None without data."""
    return None if day is None else (now - _day_end(day)).total_seconds() / 3600


def newest_silver_day(lake: Any) -> date | None:
    """The newest production day in silver (a one-column max over the Delta table; None before the first run)."""
    if not lake.exists(SILVER_TABLE):
        return None
    return lake.scan(SILVER_TABLE).select(pl.col("production_date").max()).collect().item()


def newest_gold_day(warehouse: Any) -> date | None:
    """The newest production day in gold's well-day table; None when gold is not built yet."""
    if GOLD_TABLE not in warehouse.gold_tables():
        return None
    value = warehouse.query(f"SELECT max(production_date) AS d FROM gold.{GOLD_TABLE}")["d"].item()
    if isinstance(value, datetime):
        return value.date()
    return value


def freshness_report(lake: Any, warehouse: Any, now: datetime, window_hours: int) -> dict[str, Freshness]:
    """Both layers' verdicts at ``now``. A layer that cannot be read (a warehouse down, or its file locked by a
    run) gets ``error`` instead of a verdict: a stale alert for it would be a false page."""
    readers = {"silver": lambda: newest_silver_day(lake), "gold": lambda: newest_gold_day(warehouse)}
    report: dict[str, Freshness] = {}
    for layer in LAYERS:
        try:
            report[layer] = evaluate(layer, readers[layer](), now, window_hours)
        except Exception as exc:  # reported per layer; the other layer is still judged
            unknown = evaluate(layer, None, now, window_hours)
            report[layer] = Freshness(layer, None, unknown.due_day, window_hours, False, 0.0, None, type(exc).__name__)
    return report
