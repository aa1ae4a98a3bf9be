"""Load the compiled forecast kernels before the first forecast needs them.

numba keeps the machine code of ``forecast/kernels.py`` on disk, but each process still loads it on the first
call of every kernel: about a second for the first forecast in a process, which a long-running server (the
API's explain engine) would otherwise charge to its first forecast question.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

WARM_DAYS = 400  # enough producing days for every candidate of the pool, the change search and the fits


def warm_kernels() -> None:
    """Forecast one small synthetic well (a noisy decline), so every kernel the forecast calls is loaded."""
    from da_platform.forecast.select import ForecastConfig, forecast_series
    from da_platform.forecast.series import daily_series

    start = date(2020, 1, 1)
    n = np.arange(WARM_DAYS)
    rate = 900.0 * np.exp(-0.002 * n) * (1 + 0.05 * np.sin(n * 1.7))
    history = pl.DataFrame(
        {
            "production_date": [start + timedelta(days=int(d)) for d in n],
            "well_id": ["warm-up"] * WARM_DAYS,
            "on_stream_hrs": [24.0] * WARM_DAYS,
            "oil_sm3": rate,
            "gas_sm3": rate * 150,
            "water_sm3": np.full(WARM_DAYS, 10.0),
            "flow_kind": ["production"] * WARM_DAYS,
        }
    )
    forecast_series(daily_series(history, "oil", "warm-up"), 30, ForecastConfig())
