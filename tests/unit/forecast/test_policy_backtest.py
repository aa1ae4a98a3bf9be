"""The backtest of the forecast policy that ``datalive backtest`` and the backtest asset share."""

from __future__ import annotations

import polars as pl

from da_platform.forecast.policy_backtest import backtest_policy
from da_platform.forecast.select import ForecastConfig


def test_a_record_too_short_for_any_window_says_why_nothing_was_scored(volve_silver) -> None:
    production = volve_silver.production.filter(pl.col("production_date").dt.strftime("%Y-%m") == "2016-03")
    scored = backtest_policy(production, "oil", ForecastConfig())
    reason = scored.insufficient_history
    assert reason is not None
    assert reason.startswith(
        f"insufficient history for a backtest: no well has {scored.protocol.min_history_producing_days} producing"
    )
