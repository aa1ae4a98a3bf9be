"""Fixtures for the forecasting tests: the bundled Volve daily file as silver-like columns."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import da_platform
from da_platform.forecast.series import read_volve_daily

VOLVE_DAILY = Path(da_platform.__file__).parent / "sample_data" / "landing" / "daily" / "volve_daily_production.csv"


@pytest.fixture(scope="session")
def volve() -> pl.DataFrame:
    """The bundled Volve daily CSV (all wells, production and injection rows)."""
    return read_volve_daily(VOLVE_DAILY)
