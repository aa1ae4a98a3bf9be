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
    actual = np.asarray(actual, float)
    return float(window_mase(actual, forecast, np.array([0]), np.array([len(actual)]), np.array([scale]))[0])


def window_mase(
    actual: np.ndarray, forecast: np.ndarray, starts: np.ndarray, counts: np.ndarray, scales: np.ndarray
) -> np.ndarray:
    """``mase`` of several windows laid end to end: window i is ``counts[i]`` points from ``starts[i]``,
    scaled by ``scales[i]`` (NaN for a window without a finite pair). One pass for all of a series'
    inner origins instead of a handful of numpy calls per window."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    ok = np.isfinite(actual) & np.isfinite(forecast)
    error = np.where(ok, np.abs(actual - forecast), 0.0)
    sums, n_ok = np.zeros(len(counts)), np.zeros(len(counts))
    filled = np.asarray(counts) > 0
    if filled.any():
        sums[filled] = np.add.reduceat(error, np.asarray(starts)[filled])
        n_ok[filled] = np.add.reduceat(ok.astype(float), np.asarray(starts)[filled])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_ok > 0, sums / np.maximum(n_ok, 1.0) / scales, np.nan)


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of actuals inside [low, high] (NaN if no actuals)."""
    ok = np.isfinite(actual)
    if not ok.any():
        return float("nan")
    return float(np.mean((actual[ok] >= low[ok]) & (actual[ok] <= high[ok])))
