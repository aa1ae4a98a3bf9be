"""Statistical candidates from statsforecast: AutoETS and AutoTheta on the producing-day rate series.

They see the series as regularly spaced (producing days only, gaps closed up), like the simple baselines,
and are fitted on the most recent ``window`` points: older behaviour rarely helps a rate forecast and
the fit cost grows with the length of the series. statsforecast is imported on first use, not at
import time (it costs seconds and compiles with numba).
"""

from __future__ import annotations

import numpy as np

# Fewer points than this: the models' own initialisation is unreliable; the caller's fallback takes over.
MIN_POINTS = 14


def _fit_points(y: np.ndarray, window: int) -> np.ndarray:
    if len(y) < MIN_POINTS:
        raise ValueError(f"{len(y)} points; statistical models need at least {MIN_POINTS}")
    return np.asarray(y[-window:], dtype=float)


def auto_ets(y: np.ndarray, n_future: int, window: int = 365) -> np.ndarray:
    """AutoETS (error, trend and damping chosen by AICc) point forecast for the next ``n_future`` points."""
    from statsforecast.models import AutoETS

    return np.asarray(AutoETS(season_length=1).forecast(y=_fit_points(y, window), h=n_future)["mean"], float)


def auto_theta(y: np.ndarray, n_future: int, window: int = 365) -> np.ndarray:
    """AutoTheta (standard / optimised / dynamic Theta chosen by in-sample fit) point forecast."""
    from statsforecast.models import AutoTheta

    return np.asarray(AutoTheta(season_length=1).forecast(y=_fit_points(y, window), h=n_future)["mean"], float)
