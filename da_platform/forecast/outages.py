"""Uptime informed by open operator events: a well that is down at the forecast origin stays down a while.

The plain uptime (``uptime.estimate_uptime``) is a recent average: on the first day of a three-week
shut-in it still expects the well on stream tomorrow at its usual share. An outage (a ``downtime`` or
``workover`` event) open at the origin says more. Its planned last day, when the log gives one after the
origin, is a plan: the well is off until then. Without one, the days it has lasted so far and how long
past outages of its kind lasted give the chance it still lasts on each coming day (the empirical survival
of the completed durations, conditioned on having lasted this long). Expected uptime on a future day is
then P(still on) x the well's uptime since the outage began (a downtime often only cuts hours) plus
(1 - P(still on)) x its uptime before the outage.

Only what is known at the origin is used: an event counts as open when it started on or before the origin
and had not ended by it; its recorded end is a plan only in a live forecast (``planned_ends=True``), never
in a backtest, where the log's end was written afterwards.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from da_platform.forecast.series import DailySeries

OUTAGE_CATEGORIES = ("downtime", "workover")
MIN_PAST_OUTAGES = 5  # completed outages of the category needed before their durations say anything
USUAL_WINDOW_DAYS = 90  # reported days before the outage that give the well's usual uptime


@dataclass(frozen=True)
class OpenOutage:
    """An outage open at the origin: ``elapsed_days`` counts its days through the origin (inclusive);
    ``planned_remaining_days`` is the number of days after the origin it is planned to last, or None."""

    category: str
    start: np.datetime64
    elapsed_days: int
    planned_remaining_days: int | None = None


@dataclass(frozen=True)
class UptimeCurve:
    """Expected on-stream fraction per future day and why: ``reason`` says which outage shaped it (or why
    none did); ``outage`` is the open outage, if any. When it shaped the curve, ``still_off`` is P(still
    lasting) per day, ``meanwhile`` the uptime while it lasts and ``usual`` the uptime once it is over:
    uptime = still_off x meanwhile + (1 - still_off) x usual."""

    uptime: np.ndarray
    reason: str
    outage: OpenOutage | None = None
    still_off: np.ndarray | None = None
    meanwhile: float = 0.0
    usual: float = 0.0


def still_off_probability(outage: OpenOutage, past_durations: np.ndarray, horizon_days: int) -> np.ndarray | None:
    """P(the outage still lasts) on each of the next ``horizon_days`` days, or None when it cannot be told
    (no plan and fewer than ``MIN_PAST_OUTAGES`` completed outages to learn from).

    A planned end is taken as it stands. Otherwise S(k) is the share of past durations of at least k
    days and P(still off on day d) = S(elapsed + d) / S(elapsed). An outage that has outlasted every past
    one is given the past mean as its expected remaining length (memoryless), not a certain restart."""
    lead = np.arange(1, horizon_days + 1)
    if outage.planned_remaining_days is not None:
        return (lead <= outage.planned_remaining_days).astype(float)
    durations = np.sort(np.asarray(past_durations, float))
    durations = durations[np.isfinite(durations) & (durations >= 1)]
    if len(durations) < MIN_PAST_OUTAGES:
        return None

    def at_least(k: np.ndarray) -> np.ndarray:
        return len(durations) - np.searchsorted(durations, k, side="left")

    survived = int(at_least(np.array([outage.elapsed_days]))[0])
    if survived == 0:
        return np.exp(-lead / float(durations.mean()))
    return at_least(outage.elapsed_days + lead) / survived


class OutageLog:
    """Every well's outage events (``EVENTS_SCHEMA`` rows: well_id, start, end, category; inclusive dates)."""

    def __init__(self, events: pl.DataFrame) -> None:
        out = events.filter(pl.col("category").is_in(OUTAGE_CATEGORIES)).drop_nulls(["well_id", "start", "end"])
        out = out.filter(pl.col("end") >= pl.col("start"))
        wells = out["well_id"].to_numpy().astype(str)
        # Each well's rows, found once: a fleet forecast asks for every well x product, and a scan of the
        # whole log per question would make the step grow with wells x events.
        names, first = np.unique(wells, return_inverse=True)
        order = np.argsort(first, kind="stable")
        bounds = np.searchsorted(first[order], np.arange(len(names) + 1))
        self._rows = {str(w): order[bounds[i] : bounds[i + 1]] for i, w in enumerate(names)}
        self._start = out["start"].cast(pl.Date).to_numpy().astype("datetime64[D]")
        self._end = out["end"].cast(pl.Date).to_numpy().astype("datetime64[D]")
        self._category = out["category"].to_numpy().astype(str)

    def open_at(self, well_id: str, origin: np.datetime64, planned_ends: bool = False) -> OpenOutage | None:
        """The well's outage open at ``origin`` (the latest started, if several overlap), or None. With
        ``planned_ends`` an end after the origin is a plan the forecast may use."""
        origin = np.datetime64(origin, "D")
        rows = self._rows.get(well_id)
        if rows is None:
            return None
        rows = rows[(self._start[rows] <= origin) & (self._end[rows] >= origin)]
        if len(rows) == 0:
            return None
        i = rows[np.argmax(self._start[rows])]
        remaining = int((self._end[i] - origin).astype(int)) if planned_ends else None
        elapsed = int((origin - self._start[i]).astype(int)) + 1
        return OpenOutage(str(self._category[i]), self._start[i], elapsed, remaining)

    def durations_before(self, origin: np.datetime64, category: str) -> np.ndarray:
        """Lengths in days (inclusive) of every well's outages of ``category`` that had ended before
        ``origin``: what the log knew on that day."""
        done = (self._end < np.datetime64(origin, "D")) & (self._category == category)
        return (self._end[done] - self._start[done]).astype(int) + 1.0

    def uptime_curve(
        self, series: DailySeries, base_uptime: float, horizon_days: int, planned_ends: bool = False
    ) -> UptimeCurve:
        """Expected uptime per future day after the series' last day (the origin). ``base_uptime`` is the
        plain estimate; with an open outage whose length can be told, each day mixes the well's uptime
        since the outage began and on its last ``USUAL_WINDOW_DAYS`` reported days before it, weighted
        by the chance the outage still lasts."""
        flat = np.full(horizon_days, base_uptime)
        if len(series.dates) == 0:
            return UptimeCurve(flat, "no history")
        origin = series.dates[-1]
        outage = self.open_at(series.well_id, origin, planned_ends)
        if outage is None:
            return UptimeCurve(flat, "no outage open at the origin")
        p_off = still_off_probability(outage, self.durations_before(origin, outage.category), horizon_days)
        if p_off is None:
            reason = f"{outage.category} open since {outage.start}: too few past outages to tell its length"
            return UptimeCurve(flat, reason, outage)
        frac = np.clip(series.hours / 24.0, 0.0, 1.0)
        before = series.observed & (series.dates < outage.start)
        usual = float(frac[before][-USUAL_WINDOW_DAYS:].mean()) if before.any() else base_uptime
        # A downtime often only cuts hours: while it lasts, the well runs as it has since it began.
        during = series.observed & (series.dates >= outage.start)
        meanwhile = float(frac[during].mean()) if during.any() else 0.0
        how = "planned end" if outage.planned_remaining_days is not None else "past outage lengths"
        uptime = p_off * meanwhile + (1.0 - p_off) * usual
        reason = f"{outage.category} open since {outage.start} ({how})"
        return UptimeCurve(uptime, reason, outage, p_off, meanwhile, usual)

    def fingerprint_at(self, well_id: str, origin: np.datetime64, planned_ends: bool = False) -> str:
        """What of the log a forecast at ``origin`` reads for the well: its open outage and the completed
        lengths it is judged by ("" when none is open, so a well without outages keeps its input hash)."""
        outage = self.open_at(well_id, origin, planned_ends)
        if outage is None:
            return ""
        past = np.sort(self.durations_before(origin, outage.category))
        return f"{outage}|{hashlib.sha256(past.tobytes()).hexdigest()}"
