"""Synthetic well frames for the forecasting tests."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl


def well_frame(rates: np.ndarray, hours: np.ndarray | None = None, start: date = date(2015, 1, 1)) -> pl.DataFrame:
    """Silver-like rows of one producing well: ``rates`` in Sm3/d on stream, volume = rate x hours / 24."""
    n = len(rates)
    hrs = np.full(n, 24.0) if hours is None else np.asarray(hours, float)
    return pl.DataFrame(
        {
            "production_date": [start + timedelta(days=i) for i in range(n)],
            "well_id": ["W-1"] * n,
            "on_stream_hrs": hrs,
            "oil_sm3": np.asarray(rates, float) * hrs / 24.0,
            "gas_sm3": np.asarray(rates, float) * hrs / 24.0 * 150.0,
            "water_sm3": np.zeros(n),
        }
    )


def declining_rates(n: int, seed: int = 0, qi: float = 800.0, di: float = 0.002, noise: float = 0.03) -> np.ndarray:
    """An exponential decline with multiplicative noise."""
    rng = np.random.default_rng(seed)
    return qi * np.exp(-di * np.arange(n)) * np.exp(rng.normal(0, noise, n))
