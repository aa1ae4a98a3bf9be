"""The backtest of the forecast policy as a candidate model: score it on silver, then register it.

``datalive backtest`` and the ``forecast/backtest_metrics`` asset do the same two steps; both call these.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from da_platform.forecast.backtest import (
    EVENTS_SCHEMA,
    BacktestConfig,
    backtest_windows,
    producing_wells,
    protocol_for,
    summarize,
)
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.tracking import Candidate, TrackingTarget, champion, log_candidate, set_champion
from da_platform.lakehouse.delta_lake import Lake
from da_platform.rag.events import events_from_raw


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
    production: pl.DataFrame,
    product: str,
    config: ForecastConfig,
    peers: tuple[str, ...] = (),
    events: pl.DataFrame | None = None,
) -> PolicyBacktest:
    """The rolling-origin backtest of ``config`` on every producing well of silver ``production`` (with the
    statistical ``peers`` scored beside it, never selected). ``events`` (``EVENTS_SCHEMA``, the raw
    zone's operator events) let an outage open at an origin shape that window's volume forecast."""
    protocol = protocol_for(production, BacktestConfig(forecast=config, peers=peers))
    windows = backtest_windows(production, product, producing_wells(production), protocol, outage_events=events)
    return PolicyBacktest(summarize(windows), protocol)


def logged_events(lake: Lake) -> pl.DataFrame:
    """Every operator event in the raw zone's latest events files, as ``EVENTS_SCHEMA`` rows (none landed:
    an empty frame)."""
    events = events_from_raw(lake)
    return pl.DataFrame(
        {
            "well_id": [e.well_id for e in events],
            "start": [e.start for e in events],
            "end": [e.end for e in events],
            "category": [e.category for e in events],
        },
        schema=EVENTS_SCHEMA,
    )


def register_candidate(
    target: TrackingTarget, config: ForecastConfig, table: pl.DataFrame, tags: dict[str, str]
) -> Candidate:
    """Log the scored policy as a candidate model version; the environment's first candidate becomes its
    champion."""
    candidate = log_candidate(target, config, table, tags=tags)
    if champion(target) is None:
        set_champion(target, candidate.version)
    return candidate
