"""Simple baselines on a rate series (producing days only, in time order).

Each function takes the training values ``y`` (and, where the method needs it, their times ``t``) and
returns the point forecast for the future times ``t_future``. They are the yardstick the decline models
must beat, and the fallback when history is too short to fit anything.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def naive(y: np.ndarray, n_future: int) -> np.ndarray:
    """Last observed value, held flat."""
    return np.full(n_future, float(y[-1]) if len(y) else 0.0)


def mean_last(y: np.ndarray, n_future: int, k: int = 7) -> np.ndarray:
    """Mean of the last ``k`` values, held flat: smooths one-day noise that naive copies forward."""
    return np.full(n_future, float(np.mean(y[-k:])) if len(y) else 0.0)


def median_last(y: np.ndarray, n_future: int, k: int = 7) -> np.ndarray:
    """Median of the last ``k`` values: like ``mean_last`` but a single partial day cannot pull it."""
    return np.full(n_future, float(np.median(y[-k:])) if len(y) else 0.0)


def drift(y: np.ndarray, t: np.ndarray, t_future: np.ndarray, window: float = 90.0) -> np.ndarray:
    """Level of the last week plus the robust slope over the last ``window`` time units, floored at zero.

    The slope is a Theil–Sen-style median of pairwise slopes on a thinned sample, so one dip does not tilt it.
    """
    if len(y) < 3:
        return naive(y, len(t_future))
    sel = t >= t[-1] - window
    tt, yy = t[sel], y[sel]
    if len(yy) < 3 or np.ptp(tt) == 0:
        return naive(y, len(t_future))
    step = max(1, len(yy) // 40)  # thin to keep the pairwise slopes O(40^2)
    ts, ys = tt[::step], yy[::step]
    i, j = np.triu_indices(len(ts), 1)
    dt = ts[j] - ts[i]
    slope = float(np.median((ys[j] - ys[i])[dt > 0] / dt[dt > 0])) if np.any(dt > 0) else 0.0
    # The level is a median over the last week, so it belongs to the middle of that week, not its last day.
    level, t_level = float(np.median(y[-7:])), float(np.median(t[-7:]))
    return np.maximum(level + slope * (np.asarray(t_future, float) - t_level), 0.0)


def _ses_levels(y: np.ndarray, alpha: float) -> np.ndarray:
    """The smoothed level after each value: l_0 = y_0, l_t = l_(t-1) + alpha (y_t - l_(t-1)).

    A first-order recursive filter, run in C by lfilter rather than a Python loop over the days.
    """
    zi = np.array([(1.0 - alpha) * float(y[0])])
    levels, _ = lfilter([alpha], [1.0, alpha - 1.0], y, zi=zi)
    return levels


def ses_alpha(y: np.ndarray, grid: np.ndarray | None = None) -> float:
    """Smoothing weight minimising the one-step squared error, by a grid search."""
    if len(y) < 3:
        return 0.5
    y = np.asarray(y[-365:], float)  # the recent year decides; older behaviour would only slow the search
    alphas = np.linspace(0.05, 0.95, 19) if grid is None else grid
    sse = [float(np.sum((y[1:] - _ses_levels(y, float(a))[:-1]) ** 2)) for a in alphas]
    return float(alphas[int(np.argmin(sse))])


def ses(y: np.ndarray, n_future: int, alpha: float | None = None) -> np.ndarray:
    """Simple exponential smoothing: flat forecast at the smoothed level (alpha fitted when not given)."""
    if len(y) == 0:
        return np.zeros(n_future)
    a = ses_alpha(y) if alpha is None else alpha
    return np.full(n_future, float(_ses_levels(np.asarray(y, float), a)[-1]))
