"""Defined behaviour for bad input: never a crash, never a NaN."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from da_platform.forecast import NotAProducerError, daily_series, forecast

from .synthetic import declining_rates, well_frame


def _finite_non_negative(points: pl.DataFrame) -> bool:
    values = points.select("p10", "p50", "p90", "volume_p50").to_numpy()
    return bool(np.all(np.isfinite(values)) and np.all(values >= 0))


def test_fewer_than_the_minimum_producing_days_falls_back_to_the_median_of_recent_days() -> None:
    result = forecast(well_frame(np.array([100.0, 110.0, 90.0, 105.0, 95.0])), 30)
    assert result.status == "fallback"
    assert result.model == "median_7"
    assert "producing points" in result.reason
    assert result.points.height == 30 and _finite_non_negative(result.points)
    assert result.points["p50"][0] == pytest.approx(100.0)


def test_fewer_than_three_producing_days_is_an_explicit_insufficient_history_with_no_points() -> None:
    result = forecast(well_frame(np.array([100.0, 0.0, 0.0]), hours=np.array([24.0, 0.0, 0.0])), 30)
    assert result.status == "insufficient_history"
    assert result.points.is_empty()


def test_a_well_shut_in_for_the_whole_recent_window_gets_a_zero_forecast_with_a_reason() -> None:
    hours = np.concatenate([np.full(200, 24.0), np.zeros(40)])
    result = forecast(well_frame(declining_rates(240), hours), 30)
    assert result.status == "shut_in"
    assert "no producing day" in result.reason
    assert result.points.height == 30
    assert result.points.select(pl.sum_horizontal("p10", "p50", "p90", "volume_p50").sum()).item() == 0.0


def test_an_injector_is_refused_with_a_clear_message(volve: pl.DataFrame) -> None:
    with pytest.raises(NotAProducerError, match="15/9-F-4 is an injector"):
        forecast(volve.filter(pl.col("well_id") == "15/9-F-4"), 30)


def test_a_well_converted_from_injector_to_producer_uses_only_its_producing_period(volve: pl.DataFrame) -> None:
    f5 = volve.filter(pl.col("well_id") == "15/9-F-5")
    series = daily_series(f5, "oil")
    assert series.dates[0] >= np.datetime64("2016-04-11")  # nothing from the 2007-2016 injection years
    assert series.first_producing_date is not None and series.first_producing_date >= date(2016, 4, 12)
    result = forecast(f5.filter(pl.col("production_date") <= date(2016, 8, 1)), 30)
    assert result.status in ("ok", "fallback")
    assert _finite_non_negative(result.points)


def test_calendar_gaps_are_neither_producing_nor_shut_in_days_and_give_finite_forecasts() -> None:
    frame = well_frame(declining_rates(300))
    gappy = frame.filter(~pl.col("production_date").dt.day().is_in([5, 6, 7, 8, 9, 10]))  # 6 days/month missing
    series = daily_series(gappy, "oil")
    assert len(series.dates) == 300 and int(series.observed.sum()) == gappy.height
    result = forecast(gappy, 30)
    assert result.status == "ok"
    assert result.points["date"][0] == date(2015, 1, 1) + (date(2015, 10, 28) - date(2015, 1, 1))
    assert _finite_non_negative(result.points)


def test_negative_and_missing_volumes_are_not_producing_days_and_never_reach_the_forecast() -> None:
    rates = declining_rates(200)
    frame = well_frame(rates).with_columns(
        oil_sm3=pl.when(pl.int_range(pl.len()) % 10 == 0).then(None).otherwise(pl.col("oil_sm3")),
    )
    frame = frame.with_columns(oil_sm3=pl.when(pl.int_range(pl.len()) % 10 == 5).then(-5.0).otherwise("oil_sm3"))
    series = daily_series(frame, "oil")
    assert series.n_producing() == 160
    assert _finite_non_negative(forecast(frame, 30).points)


def test_several_wells_in_one_frame_are_refused() -> None:
    frame = pl.concat([well_frame(np.full(5, 1.0)), well_frame(np.full(5, 1.0)).with_columns(well_id=pl.lit("W-2"))])
    with pytest.raises(ValueError, match="several wells"):
        forecast(frame, 10)
