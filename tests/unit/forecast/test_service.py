from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from da_platform.forecast import service
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


def test_worker_processes_give_the_same_table_in_the_same_order(
    volve: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every Volve well (injectors included, which are skipped), one well per batch, so the batches
    # really are spread over the two workers and come back out of order unless the merge keeps it.
    wells = volve.filter(pl.col("production_date").is_between(date(2015, 1, 1), date(2015, 9, 30)))
    serial, serial_results, serial_refitted = forecast_all(wells, ("oil", "water"), 30, CONFIG)
    monkeypatch.setattr(service, "PARALLEL_MIN_WELLS", 2)
    monkeypatch.setattr(service, "CHUNK_WELLS", 1)
    parallel, parallel_results, parallel_refitted = forecast_all(wells, ("oil", "water"), 30, CONFIG, workers=2)
    assert parallel.equals(serial)
    assert parallel_refitted == serial_refitted
    assert [(r.well_id, r.product, r.model) for r in parallel_results] == [
        (r.well_id, r.product, r.model) for r in serial_results
    ]


def test_wells_are_batched_in_id_order_with_all_their_rows(two_wells: pl.DataFrame) -> None:
    batches = list(service._chunks(two_wells, None))
    assert [[well for well, _, _ in batch] for batch in batches] == [["15/9-F-12", "15/9-F-14"]]
    assert sum(history.height for batch in batches for _, history, _ in batch) == two_wells.height
