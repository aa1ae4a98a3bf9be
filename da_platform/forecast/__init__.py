"""Production forecasting core: pure functions over numpy and polars (no Dagster, no MLflow, no I/O on import).

Per well and product, the rate on producing days and the uptime are modelled apart; candidates (moving
means and medians, exponential smoothing, drift, Arps decline curves fitted from the latest change of
regime on) are chosen per well by rolling-origin error on the training history, with P10/P50/P90 from
the empirical errors of the candidate pool; naive and AutoETS are scored alongside as benchmarks. See
``forecast`` (daily), ``forecast_monthly`` / ``forecast_well_monthly`` (medium term) and
``backtest_windows`` then ``summarize`` (the issue's protocol).
"""

from da_platform.forecast.backtest import BacktestConfig, backtest_windows, summarize
from da_platform.forecast.decline import ArpsFit, fit_arps
from da_platform.forecast.monthly import MonthlyForecast, forecast_monthly, forecast_well_monthly
from da_platform.forecast.select import ForecastConfig, ForecastResult, forecast, forecast_series
from da_platform.forecast.series import DailySeries, NotAProducerError, daily_series, read_volve_daily

__all__ = [
    "ArpsFit",
    "BacktestConfig",
    "DailySeries",
    "ForecastConfig",
    "ForecastResult",
    "MonthlyForecast",
    "NotAProducerError",
    "backtest_windows",
    "daily_series",
    "fit_arps",
    "forecast",
    "forecast_monthly",
    "forecast_series",
    "forecast_well_monthly",
    "read_volve_daily",
    "summarize",
]
