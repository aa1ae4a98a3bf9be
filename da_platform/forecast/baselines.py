"""Simple baselines on a rate series (producing days only, in time order).

Each function takes the training values ``y`` (and, where the method needs it, their times ``t``) and
returns the point forecast for the future times ``t_future``. They are the yardstick the decline models
must beat, and the fallback when history is too short to fit anything.
"""

from __future__ import annotations

import numpy as np


def recent_median(values: np.ndarray, k: int = 7) -> float:
    """``np.median`` of the last ``k`` values (finite), by a plain sort: the forecast takes ~40 such medians
    of a week per series, and numpy's fixed cost per call (~15 us) is many times the work."""
    ordered = sorted(values[-k:].tolist())
    if not ordered:
        return float("nan")
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def naive(y: np.ndarray, n_future: int) -> np.ndarray:
    """Last observed value, held flat."""
    return np.full(n_future, float(y[-1]) if len(y) else 0.0)


def mean_last(y: np.ndarray, n_future: int, k: int = 7) -> np.ndarray:
    """Mean of the last ``k`` values, held flat: smooths one-day noise that naive copies forward."""
    return np.full(n_future, float(np.mean(y[-k:])) if len(y) else 0.0)


def median_last(y: np.ndarray, n_future: int, k: int = 7) -> np.ndarray:
    """Median of the last ``k`` values: like ``mean_last`` but a single partial day cannot pull it."""
    return np.full(n_future, recent_median(y, k) if len(y) else 0.0)


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
    from da_platform.forecast import kernels  # numba loads on first use, not on import

    step = max(1, len(yy) // 40)  # thin to keep the pairwise slopes O(40^2)
    slope = float(kernels.median_pairwise_slope(np.ascontiguousarray(tt[::step]), np.ascontiguousarray(yy[::step])))
    # The level is a median over the last week, so it belongs to the middle of that week, not its last day.
    level, t_level = recent_median(y), recent_median(t)
    return np.maximum(level + slope * (np.asarray(t_future, float) - t_level), 0.0)


def ses_alpha(y: np.ndarray, grid: np.ndarray | None = None) -> float:
    """Smoothing weight minimising the one-step squared error, by a grid search."""
    if len(y) < 3:
        return 0.5
    from da_platform.forecast import kernels  # numba loads on first use, not on import

    y = np.asarray(y[-365:], float)  # the recent year decides; older behaviour would only slow the search
    alphas = np.linspace(0.05, 0.95, 19) if grid is None else np.asarray(grid, float)
    return float(alphas[int(np.argmin(kernels.ses_errors(y, alphas)))])


def ses(y: np.ndarray, n_future: int, alpha: float | None = None) -> np.ndarray:
    """Simple exponential smoothing: flat forecast at the smoothed level (alpha fitted when not given).

    The level starts at the first value and moves by alpha times each one-step error."""
    if len(y) == 0:
        return np.zeros(n_future)
    from da_platform.forecast import kernels

    a = ses_alpha(y) if alpha is None else alpha
    return np.full(n_future, float(kernels.ses_level(np.asarray(y, float), float(a))))
