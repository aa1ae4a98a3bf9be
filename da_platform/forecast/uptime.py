"""Uptime: the share of calendar time a well is on stream, modelled apart from its rate.

A well's calendar-day volume is (rate on producing days) x (on-stream hours / 24). The two move for
different reasons (reservoir vs. operations), so the rate models never see shut-ins and uptime is
estimated here from recent on-stream hours, with a Beta distribution for its uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from da_platform.forecast.outages import UptimeCurve
from da_platform.forecast.series import DailySeries


@dataclass(frozen=True)
class Uptime:
    """Expected on-stream fraction and its P10/P50/P90 (fractions of 24 h)."""

    mean: float
    p10: float
    p50: float
    p90: float
    window_days: int
    observed_days: int
    a: float = 1.0  # Beta parameters behind the quantiles (1, 1: uniform, nothing observed)
    b: float = 1.0


def estimate_uptime(series: DailySeries, window_days: int = 90, prior_days: float = 2.0) -> Uptime:
    """Uptime over the last ``window_days`` observed calendar days.

    Beta(a, b) with a = sum of on-stream fractions + prior, b = sum of off-stream fractions + prior: a
    recent-window average that is uncertain when the window is short and never exactly 0 or 1, so P10/P90
    exist even for a well that has been always on. The prior (``prior_days`` days half on) pulls wells
    with almost no data toward 50 %. Calendar gaps (no report) are left out, not counted as shut-ins.
    """
    obs = series.observed[-window_days:]
    frac = np.clip(series.hours[-window_days:][obs] / 24.0, 0.0, 1.0)
    n = int(obs.sum())
    if n == 0:
        return Uptime(0.5, 0.1, 0.5, 0.9, window_days, 0)
    # Days are strongly correlated (a shut-in lasts weeks): count the window as fewer independent draws,
    # otherwise a 90-day window yields a band far too narrow to hold the next quarter.
    eff = max(n / 7.0, 1.0)
    mean_frac = float(frac.mean())
    a = mean_frac * eff + prior_days / 2.0
    b = (1.0 - mean_frac) * eff + prior_days / 2.0
    # (imported here: scipy.stats takes ~1.4 s to import, and every `datalive` process loads this module
    # with the definitions, including the lakehouse-only runs that never estimate an uptime)
    from scipy.stats import beta as beta_dist

    p10, p50, p90 = (float(v) for v in beta_dist.ppf([0.1, 0.5, 0.9], a, b))
    return Uptime(mean_frac, p10, p50, p90, window_days, n, a, b)


def volume_band(
    rate_p10: np.ndarray,
    rate_p50: np.ndarray,
    rate_p90: np.ndarray,
    uptime: Uptime,
    draws: int = 2000,
    outage: UptimeCurve | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P10/P50/P90 of the expected calendar-day volume, rate x uptime, per future day.

    The two are drawn independently (reservoir and operations): the rate from a split normal in log1p
    space through its own P10/P50/P90, the uptime from its Beta. Quantiles of a product are not products
    of quantiles, hence the draws; a fixed seed keeps the table reproducible.

    With an ``outage`` open at the origin (``outages.OutageLog.uptime_curve``) each day's uptime is a
    mixture: with P(still lasting) the outage's own uptime, otherwise a Beta draw as concentrated as
    ``uptime``'s around the well's usual uptime before the outage.
    """
    bands = np.column_stack([np.log1p(np.asarray(v, float)) for v in (rate_p10, rate_p50, rate_p90)])
    still_off = outage.still_off if outage is not None else None
    keys = bands if still_off is None else np.column_stack([bands, still_off])
    # Days with the same band have the same draws, so the same quantiles: a flat forecast has one band
    # per lead bucket, not one per day.
    unique, day_band = np.unique(keys, axis=0, return_inverse=True)
    lo, mid, hi = (unique[:, i : i + 1] for i in range(3))
    rng = np.random.default_rng(0)
    z = rng.standard_normal(draws)
    uptime_draws = rng.beta(uptime.a, uptime.b, size=draws)
    # Quantiles do not depend on the order of the draws: ordered by z, the split normal's two halves are
    # two blocks of columns instead of a choice per value.
    order = np.argsort(z, kind="stable")
    z, uptime_draws = z[order], uptime_draws[order]
    if outage is not None and still_off is not None:
        # (drawn after the plain draws, so a well without an open outage gets the same band as before)
        uptime_draws = _outage_uptime_draws(rng, unique[:, 3:4], outage, uptime, draws)[:, order]
    below = int(np.searchsorted(z, 0.0))
    # rate x uptime per band and draw, in one buffer (180,000 values for 90 days: temporaries add up)
    volume = np.empty((len(unique), draws))
    np.multiply((mid - lo) / 1.2816, z[:below], out=volume[:, :below])
    np.multiply((hi - mid) / 1.2816, z[below:], out=volume[:, below:])
    volume += mid
    np.expm1(volume, out=volume)
    np.maximum(volume, 0.0, out=volume)
    volume *= uptime_draws
    return tuple(q[day_band.ravel()] for q in _linear_quantiles(volume, (0.1, 0.5, 0.9)))


def _outage_uptime_draws(
    rng: np.random.Generator, still_off: np.ndarray, outage: UptimeCurve, uptime: Uptime, draws: int
) -> np.ndarray:
    """Uptime draws per row of ``still_off`` (a column of P(still lasting)): the outage's uptime while it
    lasts, else a Beta around the usual uptime with ``uptime``'s concentration (a + b)."""
    usual = min(max(outage.usual, 1e-3), 1.0 - 1e-3)
    concentration = uptime.a + uptime.b
    back_on = rng.beta(usual * concentration, (1.0 - usual) * concentration, size=draws)
    lasting = rng.random(draws) < still_off
    return np.where(lasting, outage.meanwhile, back_on[None, :])


def _linear_quantiles(x: np.ndarray, levels: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """``np.quantile(x, levels, axis=1)`` (linear interpolation) by one sort of each row, in place (``x``
    comes back sorted): numpy's own quantile selects each order statistic apart, several times slower on
    a day x draws matrix, and a sorted copy would cost as much again as the sort."""
    x.sort(axis=1)
    ordered = x
    pos = np.asarray(levels) * (x.shape[1] - 1)
    below = np.floor(pos).astype(int)
    above = np.minimum(below + 1, x.shape[1] - 1)
    frac = pos - below
    values = ordered[:, below] + (ordered[:, above] - ordered[:, below]) * frac
    return tuple(values.T)
