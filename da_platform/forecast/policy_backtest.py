"""The backtest of the forecast policy as a candidate model: score it on silver, then register it.

``datalive backtest`` and the ``forecast/backtest_metrics`` asset do the same two steps; both call these.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from da_platform.forecast.backtest import BacktestConfig, backtest_windows, producing_wells, protocol_for, summarize
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.tracking import Candidate, TrackingTarget, champion, log_candidate, set_champion


@dataclass(frozen=True)
class PolicyBacktest:
    """The backtest table of one product and the protocol it was judged by."""

    table: pl.DataFrame
    protocol: BacktestConfig

    @property
    def insufficient_history(self) -> str | None:
        """Why nothing was scored (no window had the history and horizon the protocol needs), or None.

        A young record (a new operator, a dev slice of a few months) has no window with enough history
        before a cut-off and a full horizon after it: nothing to score, so nothing can be registered."""
        if not self.table.filter(pl.col("model") == "selected").is_empty():
            return None
        protocol = self.protocol
        return (
            f"insufficient history for a backtest: no well has {protocol.min_history_producing_days} producing "
            f"days before a cut-off in {protocol.start}..{protocol.end} and {max(protocol.horizons)} days after it"
        )


def backtest_policy(
    production: pl.DataFrame, product: str, config: ForecastConfig, peers: tuple[str, ...] = ()
) -> PolicyBacktest:
    """The rolling-origin backtest of ``config`` on every producing well of silver ``production`` (with the
    statistical ``peers`` scored beside it, never selected)."""
    protocol = protocol_for(production, BacktestConfig(forecast=config, peers=peers))
    windows = backtest_windows(production, product, producing_wells(production), protocol)
    return PolicyBacktest(summarize(windows), protocol)


def register_candidate(
    target: TrackingTarget, config: ForecastConfig, table: pl.DataFrame, tags: dict[str, str]
) -> Candidate:
    """Log the scored policy as a candidate model version; the environment's first candidate becomes its
    champion."""
    candidate = log_candidate(target, config, table, tags=tags)
    if champion(target) is None:
        set_champion(target, candidate.version)
    return candidate
