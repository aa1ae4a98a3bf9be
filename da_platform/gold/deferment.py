"""Deferment by cause: where the downtime went and roughly how much oil it cost.

Each producing well-day's downtime is attributed to the operator event on that well covering that day
(the latest-starting one when several overlap), or to "unspecified" when no event covers it. The oil
deferred on a day is estimated as its downtime share of the day times the well's trailing 7-day average
oil, the usual quick estimate when no potential (plan) rate per well exists.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

UNSPECIFIED = "unspecified"
DEFERMENT_SCHEMA = {
    "cause": pl.String(),
    "downtime_hrs": pl.Float64(),
    "deferred_oil_sm3": pl.Float64(),
    "well_days": pl.UInt32(),
}


def deferment_by_cause(well_days: pl.DataFrame, events: Iterable) -> pl.DataFrame:
    """Sum downtime hours and estimated deferred oil per cause, largest first.

    ``well_days`` has ``well_id``, ``production_date``, ``downtime_hrs`` and ``oil_sm3_ma7``; ``events``
    are objects with ``well_id``, ``start``, ``end`` (inclusive) and ``cause`` (``rag.events.Event``).
    """
    down = well_days.filter(pl.col("downtime_hrs").fill_null(0) > 0).with_row_index("_day")
    if down.height == 0:
        return pl.DataFrame(schema=DEFERMENT_SCHEMA)
    spans = pl.DataFrame(
        [{"well_id": e.well_id, "start": e.start, "end": e.end, "cause": e.cause or UNSPECIFIED} for e in events],
        schema={"well_id": pl.String(), "start": pl.Date(), "end": pl.Date(), "cause": pl.String()},
    )
    matched = (
        down.select("_day", "well_id", "production_date")
        .join(spans, on="well_id", how="inner")
        .filter(pl.col("production_date").is_between(pl.col("start"), pl.col("end")))
        .sort("start")
        .group_by("_day")
        .agg(pl.col("cause").last())
    )
    return (
        down.join(matched, on="_day", how="left")
        .with_columns(
            cause=pl.col("cause").fill_null(UNSPECIFIED),
            deferred=pl.col("downtime_hrs") / 24.0 * pl.col("oil_sm3_ma7").fill_null(0.0),
        )
        .group_by("cause")
        .agg(
            downtime_hrs=pl.col("downtime_hrs").sum(),
            deferred_oil_sm3=pl.col("deferred").sum(),
            well_days=pl.len(),
        )
        .sort("downtime_hrs", "cause", descending=[True, False])
        .cast(DEFERMENT_SCHEMA)
    )
