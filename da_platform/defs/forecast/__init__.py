"""Forecast: the rolling-origin backtest (logged to MLflow), daily and monthly forecasts, and their job."""

from __future__ import annotations

import dagster as dg

from da_platform.defs.forecast.assets import backtest_metrics, forecast_job, monthly_forecasts, well_daily_forecasts
from da_platform.env import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    """The forecast assets and the job that runs them."""
    return dg.Definitions(assets=[backtest_metrics, well_daily_forecasts, monthly_forecasts], jobs=[forecast_job])
