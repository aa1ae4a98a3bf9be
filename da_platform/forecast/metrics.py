"""Error measures shared by model selection and the backtest, so both score forecasts the same way."""

from __future__ import annotations

import numpy as np


def naive_scale(y: np.ndarray) -> float:
    """MASE denominator: mean absolute one-step naive error of the training rates (producing days, in order).

    A perfectly flat series would give 0 and an infinite MASE; the floor (1e-6 of the mean level) keeps
    the ratio finite while still marking any error on such a series as huge.
    """
    y = np.asarray(y, float)
    y = y[np.isfinite(y)]
    if len(y) < 2:
        return max(float(np.mean(np.abs(y))) if len(y) else 1.0, 1e-9)
    return max(float(np.mean(np.abs(np.diff(y)))), 1e-6 * max(float(np.mean(np.abs(y))), 1e-3))


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error over the points where both are finite (NaN if none)."""
    ok = np.isfinite(actual) & np.isfinite(forecast)
    if not ok.any():
        return float("nan")
    return float(np.mean(np.abs(actual[ok] - forecast[ok])) / scale)


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of actuals inside [low, high] (NaN if no actuals)."""
    ok = np.isfinite(actual)
    if not ok.any():
        return float("nan")
    return float(np.mean((actual[ok] >= low[ok]) & (actual[ok] <= high[ok])))
