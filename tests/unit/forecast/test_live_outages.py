"""The daily forecast of a well that is down on its last landed day: the operator log's open outage
(``forecast.outages``) shapes its uptime and volume band, and a change in the log refits it."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from da_platform.forecast.outages import OutageLog
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.service import forecast_all

CONFIG = ForecastConfig(inner_origins=2)
WELLS = ["15/9-F-12", "15/9-F-14"]
SHUT_FROM = date(2015, 9, 25)  # F-12 reports no hours from here to the last landed day, 30 Sep 2015


@pytest.fixture(scope="module")
def shut_f12(volve: pl.DataFrame) -> pl.DataFrame:
    """F-12 and F-14 through September 2015, F-12 shut in over its last six days (the workover's days)."""
    rows = volve.filter(
        pl.col("well_id").is_in(WELLS), pl.col("production_date").is_between(date(2015, 1, 1), date(2015, 9, 30))
    )
    shut = (pl.col("well_id") == "15/9-F-12") & (pl.col("production_date") >= SHUT_FROM)
    return rows.with_columns(
        [pl.when(shut).then(0.0).otherwise(pl.col(c)).alias(c) for c in ("on_stream_hrs", "oil_sm3", "gas_sm3")]
    )


def _workover(end: date) -> OutageLog:
    events = pl.DataFrame(
        {"well_id": ["15/9-F-12"], "start": [SHUT_FROM], "end": [end], "category": ["workover"]},
        schema={"well_id": pl.String, "start": pl.Date, "end": pl.Date, "category": pl.String},
    )
    return OutageLog(events)


def _oil(table: pl.DataFrame, well: str) -> pl.DataFrame:
    return table.filter(pl.col("well_id") == well, pl.col("product") == "oil").sort("date")


def test_a_planned_workover_keeps_the_volume_at_zero_until_its_end_then_the_usual_uptime_returns(
    shut_f12: pl.DataFrame,
) -> None:
    table, _, _ = forecast_all(shut_f12, ("oil",), 30, CONFIG, outages=_workover(date(2015, 10, 9)))
    f12 = _oil(table, "15/9-F-12")
    during = f12.filter(pl.col("date") <= date(2015, 10, 9))
    after = f12.filter(pl.col("date") > date(2015, 10, 9))
    assert during.height == 9 and (during["uptime"] == 0.0).all()
    assert (during["volume_p90"] == 0.0).all()
    # Back on stream at the uptime of the 90 reported days before the workover (F-12 ran most days).
    assert after["uptime"].min() > 0.5 and (after["volume_p50"] > 0).all()
    assert "uptime: workover open since 2015-09-25 (planned end)" in f12["reason"][0]


def test_without_the_log_the_same_well_is_expected_back_at_its_recent_average(shut_f12: pl.DataFrame) -> None:
    table, _, _ = forecast_all(shut_f12, ("oil",), 30, CONFIG)
    f12 = _oil(table, "15/9-F-12")
    assert f12["uptime"].n_unique() == 1 and f12["uptime"][0] > 0.5  # the flat 90-day mean, shut-in or not
    assert "uptime:" not in f12["reason"][0]


def test_a_well_without_an_open_outage_is_forecast_as_without_the_log(shut_f12: pl.DataFrame) -> None:
    with_log, _, _ = forecast_all(shut_f12, ("oil",), 30, CONFIG, outages=_workover(date(2015, 10, 9)))
    without, _, _ = forecast_all(shut_f12, ("oil",), 30, CONFIG)
    assert _oil(with_log, "15/9-F-14").equals(_oil(without, "15/9-F-14"))


def test_a_moved_planned_end_refits_the_well_it_concerns_and_only_that_one(shut_f12: pl.DataFrame) -> None:
    first, _, _ = forecast_all(shut_f12, ("oil",), 30, CONFIG, outages=_workover(date(2015, 10, 9)))
    again, _, refitted = forecast_all(shut_f12, ("oil",), 30, CONFIG, first, outages=_workover(date(2015, 10, 9)))
    assert refitted == [] and again.equals(first)
    moved, _, refitted = forecast_all(shut_f12, ("oil",), 30, CONFIG, first, outages=_workover(date(2015, 10, 20)))
    assert refitted == ["15/9-F-12"]
    assert _oil(moved, "15/9-F-12").filter(pl.col("date") <= date(2015, 10, 20))["uptime"].max() == 0.0
