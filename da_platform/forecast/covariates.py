"""Candidates that use more than the oil rate: water cut / WOR x liquid decline, gas from oil x GOR, and
operator events as known breaks.

Reservoir engineers forecast oil through the water: the liquid (oil + water) rate declines smoothly
while the water-oil ratio grows with cumulative oil, log-linearly for most of a waterflood's life, so

    oil(t) = liquid(t) / (1 + WOR(Np(t))),  liquid(t) = L0 exp(-b (t - t0)),  ln WOR = c + d Np.

Gas is oil x GOR, with ln GOR linear in time over the recent window. Each candidate checks its input
first and *declines* with a reason (``CandidateDeclined``, a ``ValueError``) rather than returning NaN or
crashing: too few points, no water produced, water cut outside [0, 1] from bad volumes, missing values.
Only training points (times up to the origin) are read, so the candidates are safe inside the backtest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

MIN_POINTS = 30  # producing days with valid oil and water in the fit window
FIT_WINDOW = 180.0  # days: the recent trend decides


class CandidateDeclined(ValueError):
    """The candidate cannot run on this input; ``args[0]`` says why."""


@dataclass(frozen=True)
class WorLiquidFit:
    """Fitted parameters: liquid level and decline per day at the last point, WOR and its growth per Sm3."""

    liquid0: float
    liquid_decline: float  # b, per day (>= 0: liquid is not forecast to grow)
    wor0: float
    wor_slope: float  # d, per Sm3 of cumulative oil
    t0: float


def fit_window_mask(t: np.ndarray, window: float, after: float | None) -> np.ndarray:
    """The points of the last ``window`` days, from ``after`` on when given (a known break)."""
    start = t[-1] - window if after is None else max(t[-1] - window, after)
    return t > start


def fit_wor_liquid(
    t: np.ndarray, oil: np.ndarray, water: np.ndarray, window: float = FIT_WINDOW, after: float | None = None
) -> WorLiquidFit:
    """Fit the liquid decline (log-linear in time) and ln WOR against cumulative oil on the last ``window``
    days (from ``after`` on when given, a known break such as a workover).

    Declines with a reason on: fewer than ``MIN_POINTS`` points with finite oil and water, negative
    volumes or a water cut above 1, no water at all (the WOR trend is undefined on a dry well).
    """
    t, oil, water = (np.asarray(v, float) for v in (t, oil, water))
    if len(t) == 0:
        raise CandidateDeclined("wor_liquid: no training points")
    sel = fit_window_mask(t, window, after)
    t, oil, water = t[sel], oil[sel], water[sel]
    ok = np.isfinite(oil) & np.isfinite(water)
    if ok.sum() < MIN_POINTS:
        raise CandidateDeclined(f"wor_liquid: {int(ok.sum())} days with oil and water (< {MIN_POINTS}); missing water")
    t, oil, water = t[ok], oil[ok], water[ok]
    liquid = oil + water
    with np.errstate(invalid="ignore", divide="ignore"):
        cut = np.where(liquid > 0, water / liquid, np.nan)
    bad = (oil < 0) | (water < 0) | (cut > 1) | (cut < 0)
    if bad.any():
        raise CandidateDeclined(
            f"wor_liquid: {int(bad.sum())} days with a negative volume or a water cut outside [0, 1]"
        )
    wet = (water > 0) & (oil > 0)
    if wet.sum() < MIN_POINTS:
        raise CandidateDeclined(f"wor_liquid: {int(wet.sum())} days with both water and oil: no WOR trend to fit")
    # cumulative oil over the window, by the rate times the days between points (gaps carry nothing)
    dt = np.diff(t, prepend=t[0] - 1.0).clip(max=1.0)
    cum = np.cumsum(oil * dt)
    b_liq = np.polyfit(t[liquid > 0], np.log(liquid[liquid > 0]), 1)
    b_wor = np.polyfit(cum[wet], np.log(water[wet] / oil[wet]), 1)
    # Level at the last point from the fitted line through the last week (robust to one odd day).
    recent = t >= t[-1] - 7
    # the week's median belongs to the middle of the week: carried to the last day along the fitted decline
    decline = max(-float(b_liq[0]), 0.0)
    liq0 = float(np.median(liquid[recent]) * np.exp(-decline * (t[-1] - np.median(t[recent]))))
    wor_recent = wet & recent
    wor0 = (
        float(np.median(water[wor_recent] / oil[wor_recent]))
        if wor_recent.any()
        else float(np.exp(np.polyval(b_wor, cum[-1])))
    )
    return WorLiquidFit(liq0, decline, wor0, max(float(b_wor[0]), 0.0), float(t[-1]))


def wor_liquid_forecast(fit: WorLiquidFit, t_future: np.ndarray) -> np.ndarray:
    """Oil rate at ``t_future``: liquid decline divided by (1 + WOR), stepping cumulative oil forward day by
    day so the WOR grows with the oil the forecast itself produces."""
    t_future = np.asarray(t_future, float)
    out = np.empty(len(t_future))
    cum, t_prev = 0.0, fit.t0
    for i, tf in enumerate(t_future):
        liquid = fit.liquid0 * np.exp(-fit.liquid_decline * (tf - fit.t0))
        oil = liquid / (1.0 + fit.wor0 * np.exp(fit.wor_slope * cum))
        cum += oil * (tf - t_prev)
        t_prev = tf
        out[i] = oil
    return out


def gor_gas_forecast(
    t: np.ndarray, oil: np.ndarray, gas: np.ndarray, oil_future: np.ndarray, t_future: np.ndarray,
    window: float = FIT_WINDOW, after: float | None = None,
) -> np.ndarray:  # fmt: skip
    """Gas rate at ``t_future`` as the oil forecast x the GOR trend (ln GOR linear in time on the last
    ``window`` days). Declines on too few points with gas and oil, or negative volumes."""
    t, oil, gas = (np.asarray(v, float) for v in (t, oil, gas))
    if len(t) == 0:
        raise CandidateDeclined("gor_gas: no training points")
    sel = fit_window_mask(t, window, after)
    t, oil, gas = t[sel], oil[sel], gas[sel]
    ok = np.isfinite(oil) & np.isfinite(gas)
    if ((oil[ok] < 0) | (gas[ok] < 0)).any():
        raise CandidateDeclined("gor_gas: negative oil or gas volumes in the fit window")
    both = ok & (oil > 0) & (gas > 0)
    if both.sum() < MIN_POINTS:
        raise CandidateDeclined(f"gor_gas: {int(both.sum())} days with both oil and gas (< {MIN_POINTS})")
    slope, _ = np.polyfit(t[both], np.log(gas[both] / oil[both]), 1)
    recent = both & (t >= t[both][-1] - 7)
    # the level is the last week's median GOR, which belongs to the middle of that week, not its last day
    gor0, t0 = float(np.median(gas[recent] / oil[recent])), float(np.median(t[recent]))
    return np.asarray(oil_future, float) * gor0 * np.exp(slope * (np.asarray(t_future, float) - t0))


def last_break_before(event_times: np.ndarray, origin: float) -> float | None:
    """The latest operator event (workover, choke change, long downtime) at or before ``origin``: fits
    start after it, because a curve fitted across a known break fits neither side."""
    ev = np.asarray(event_times, float)
    ev = ev[np.isfinite(ev) & (ev <= origin)]
    return float(ev.max()) if len(ev) else None


CHOKE_STEP_PCT = 10.0  # a sustained change of the choke opening by this many percentage points is a break
CHOKE_SPAN = 7  # days of choke medians compared on each side of a candidate change
LONG_DOWNTIME_DAYS = 7  # a downtime event this long (inclusive days) or longer restarts a new regime
BREAK_CATEGORIES = frozenset({"workover", "stimulation", "recompletion"})  # a break whatever their length


def choke_change_days(choke: np.ndarray, step: float = CHOKE_STEP_PCT, span: int = CHOKE_SPAN) -> np.ndarray:
    """Days where the choke opening (percent, one value per calendar day, NaN where not reported) steps by
    at least ``step`` percentage points: the median of the ``span`` reported days from that day on differs
    from the median of the ``span`` reported days before it. A change at day d is known only once its
    ``span`` days after are in, so ``known`` (returned second) is the day the change can first be used.

    Declines with a reason on a choke that is not in percent (every value within [0, 1] while some are
    positive: a fraction; or values above 100): the step would be meaningless in other units."""
    choke = np.asarray(choke, float)
    idx = np.flatnonzero(np.isfinite(choke))
    if len(idx) < 2 * span:
        return np.zeros((2, 0))
    vals = choke[idx]
    if (vals > 100.0).any() or (vals < 0.0).any():
        raise CandidateDeclined("choke: values outside 0..100: not a percent opening")
    if vals.max() <= 1.0 and vals.max() > 0:
        raise CandidateDeclined("choke: every value within [0, 1]: a fraction, not a percent opening")
    med = np.median(np.lib.stride_tricks.sliding_window_view(vals, span), axis=1)  # med[k]: days k..k+span-1
    # step[j]: the change at reported day k = j + span, the span after it against the span before it
    step_at = np.abs(med[span:] - med[: len(med) - span])
    over = np.concatenate([[False], step_at >= step, [False]])
    runs = np.flatnonzero(np.diff(over.astype(int))).reshape(-1, 2)  # [first, end) of each run of big steps
    # one change per run (a ramp over a few days is one change): the middle of the days where its step is
    # largest (the medians make a clean step equally large for span - 1 days either side of it)
    best = np.array(
        [a + int(np.median(np.flatnonzero(step_at[a:b] >= step_at[a:b].max()))) for a, b in runs], dtype=int
    )
    best = best + span
    days, known = idx[best], idx[np.minimum(best + span - 1, len(idx) - 1)]
    return np.array([days, known], dtype=float).reshape(2, -1)


def event_break_days(starts: np.ndarray, ends: np.ndarray, categories: list[str]) -> np.ndarray:
    """Day indices where a new regime starts after an operator event: the day after a workover (or any
    ``BREAK_CATEGORIES`` event), or after a downtime of at least ``LONG_DOWNTIME_DAYS`` days. Short
    downtimes and well tests are no break: the well comes back on the same trend. An event is known (and
    usable) only from the day it ended, so the day after it is both the break and when it is known."""
    out = []
    for start, end, category in zip(starts, ends, categories, strict=True):
        long = category == "downtime" and end - start + 1 >= LONG_DOWNTIME_DAYS
        if category in BREAK_CATEGORIES or long:
            out.append(float(end) + 1.0)
    return np.array(sorted(out), dtype=float)


@dataclass(frozen=True)
class WellCovariates:
    """A well's daily oil and water rates on the series' day index (NaN where not reported), and the day
    indices of its operator events; the ``wor_liquid`` candidate reads them at the training times only.
    ``choke_breaks`` are (day, day it is known) pairs of choke changes (``choke_change_days``): the
    decline fits start after the latest break known at their origin, event or choke change. The downhole
    and wellhead pressures (bar, NaN where not reported; empty when the rows have none) feed the
    ``productivity`` candidate the same way the water feeds ``wor_liquid``."""

    oil: np.ndarray
    water: np.ndarray
    event_days: np.ndarray
    choke_breaks: np.ndarray = field(default_factory=lambda: np.zeros((2, 0)))
    downhole_pressure: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wellhead_pressure: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def last_break(self, origin: float) -> float | None:
        """The latest regime break known at ``origin``: an event's restart day or a choke change whose
        following days are in by then (never one that only later data would reveal)."""
        known = self.choke_breaks[0][self.choke_breaks[1] <= origin]
        return last_break_before(np.concatenate([np.asarray(self.event_days, float), known]), origin)

    def wor_liquid(self, t: np.ndarray, y: np.ndarray, t_future: np.ndarray) -> np.ndarray:
        """The ``Forecaster`` form: (t, oil rates, future t) -> oil rate, water looked up at the days t."""
        idx = np.asarray(t, int)
        if len(idx) == 0 or idx.max() >= len(self.water):
            raise CandidateDeclined("wor_liquid: training days outside the covariate calendar")
        after = self.last_break(float(t[-1]))
        return wor_liquid_forecast(fit_wor_liquid(t, y, self.water[idx], after=after), t_future)

    def gor_gas(self, t: np.ndarray, y: np.ndarray, t_future: np.ndarray) -> np.ndarray:
        """The ``Forecaster`` form for a gas series: (t, gas rates, future t) -> gas rate, as the oil's own
        log-linear decline (recent window) x the GOR trend, oil looked up at the training days t."""
        idx = np.asarray(t, int)
        if len(idx) == 0 or idx.max() >= len(self.oil):
            raise CandidateDeclined("gor_gas: training days outside the covariate calendar")
        after = self.last_break(float(t[-1]))
        oil = self.oil[idx]
        return gor_gas_forecast(t, oil, y, oil_decline_forecast(t, oil, t_future, after=after), t_future, after=after)


def oil_decline_forecast(
    t: np.ndarray, oil: np.ndarray, t_future: np.ndarray, window: float = FIT_WINDOW, after: float | None = None
) -> np.ndarray:
    """Oil at ``t_future`` from its log-linear decline on the last ``window`` days, from the last week's
    median level (no growth: a rising oil rate is held flat). Declines on too few positive days."""
    t, oil = np.asarray(t, float), np.asarray(oil, float)
    sel = fit_window_mask(t, window, after) & np.isfinite(oil) & (oil > 0)
    if sel.sum() < MIN_POINTS:
        raise CandidateDeclined(f"gor_gas: {int(sel.sum())} days with oil (< {MIN_POINTS}) to forecast the oil from")
    tt, oo = t[sel], oil[sel]
    decline = max(-float(np.polyfit(tt, np.log(oo), 1)[0]), 0.0)
    recent = tt >= tt[-1] - 7
    level, t0 = float(np.median(oo[recent])), float(np.median(tt[recent]))
    return level * np.exp(-decline * (np.asarray(t_future, float) - t0))


def choke_breaks(rows: pl.DataFrame, dates: np.ndarray) -> np.ndarray:
    """(day, known day) of a well's choke changes on the calendar ``dates`` (day 0 = ``dates[0]``), from
    silver's ``avg_choke_size_pct``; none (not an error) when the rows carry no choke, or a choke in other
    units (``choke_change_days`` declines on those, and the fits then run without choke breaks)."""
    if "avg_choke_size_pct" not in rows.columns or len(dates) == 0:
        return np.zeros((2, 0))
    try:
        return choke_change_days(on_calendar(rows, dates, "avg_choke_size_pct"))
    except CandidateDeclined:
        return np.zeros((2, 0))


def on_calendar(rows: pl.DataFrame, dates: np.ndarray, column: str) -> np.ndarray:
    """A silver column of one well's rows on the calendar ``dates`` (day 0 = ``dates[0]``), NaN on the
    days it has no value; empty when the rows have no such column (nothing to look up)."""
    if column not in rows.columns or len(dates) == 0:
        return np.zeros(0)
    day = (rows["production_date"].cast(pl.Date).to_numpy().astype("datetime64[D]") - dates[0]).astype(int)
    keep = (day >= 0) & (day < len(dates))
    out = np.full(len(dates), np.nan)
    out[day[keep]] = rows[column].cast(pl.Float64).to_numpy()[keep]
    return out


def break_covariates(rows: pl.DataFrame, dates: np.ndarray) -> WellCovariates:
    """Covariates carrying only the choke breaks (no water, no events): what the decline fits' known breaks
    need, at the cost of one pass over the choke (the water candidates decline on them)."""
    empty = np.zeros(0)
    return WellCovariates(empty, empty, empty, choke_breaks(rows, dates))
