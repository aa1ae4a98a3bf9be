from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.service import forecast_all

CONFIG = ForecastConfig(inner_origins=2)


@pytest.fixture(scope="module")
def two_wells(volve: pl.DataFrame) -> pl.DataFrame:
    return volve.filter(
        pl.col("well_id").is_in(["15/9-F-12", "15/9-F-14"]),
        pl.col("production_date").is_between(date(2015, 1, 1), date(2015, 9, 30)),
    )


def test_a_second_run_on_unchanged_rows_refits_nothing_and_keeps_the_table(two_wells: pl.DataFrame) -> None:
    first, _, refitted = forecast_all(two_wells, ("oil",), 30, CONFIG)
    assert refitted == ["15/9-F-12", "15/9-F-14"]
    second, results, refitted = forecast_all(two_wells, ("oil",), 30, CONFIG, previous=first)
    assert refitted == []
    assert second.equals(first)
    assert {r.well_id for r in results} == {"15/9-F-12", "15/9-F-14"}


def test_a_new_day_for_one_well_refits_only_that_well(two_wells: pl.DataFrame) -> None:
    first, _, _ = forecast_all(two_wells, ("oil",), 30, CONFIG)
    new_day = two_wells.filter(pl.col("well_id") == "15/9-F-12").sort("production_date").tail(1)
    new_day = new_day.with_columns(production_date=pl.lit(date(2015, 10, 1)))
    second, _, refitted = forecast_all(pl.concat([two_wells, new_day]), ("oil",), 30, CONFIG, previous=first)
    assert refitted == ["15/9-F-12"]
    f12 = second.filter(pl.col("well_id") == "15/9-F-12")
    assert f12["date"].min() == date(2015, 10, 2)
    unchanged = pl.col("well_id") == "15/9-F-14"
    assert second.filter(unchanged).equals(first.filter(unchanged))
