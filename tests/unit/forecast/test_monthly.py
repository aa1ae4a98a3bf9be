from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from da_platform.forecast import service
from da_platform.forecast.monthly import forecast_monthly, forecast_well_monthly, monthly_by_product, monthly_from_daily
from da_platform.forecast.series import daily_series
from da_platform.forecast.service import field_monthly_history, forecast_monthly_all


def test_daily_history_aggregates_to_monthly_volumes_and_on_stream_days(volve: pl.DataFrame) -> None:
    f12 = volve.filter(pl.col("well_id") == "15/9-F-12", pl.col("production_date").dt.year() == 2015)
    monthly = monthly_from_daily(daily_series(f12, "oil"))
    assert monthly.height == 12
    jan = f12.filter(pl.col("production_date").dt.month() == 1)
    assert monthly["volume_sm3"][0] == pytest.approx(jan["oil_sm3"].fill_null(0).sum())
    assert monthly["on_stream_days"][0] == pytest.approx(jan["on_stream_hrs"].sum() / 24)


def test_a_wells_products_aggregated_together_are_each_the_same_months_to_the_bit(volve: pl.DataFrame) -> None:
    f12 = volve.filter(pl.col("well_id") == "15/9-F-12")
    series = [daily_series(f12, product) for product in ("oil", "gas", "water")]
    together = monthly_by_product(series)
    assert len(together) == 3
    for one, monthly in zip(series, together, strict=True):
        assert monthly.equals(monthly_from_daily(one))


def test_products_on_different_days_are_refused_rather_than_aggregated_together(volve: pl.DataFrame) -> None:
    f12 = volve.filter(pl.col("well_id") == "15/9-F-12")
    shorter = f12.filter(pl.col("production_date") <= date(2014, 12, 31))
    with pytest.raises(ValueError, match="not on the same days"):
        monthly_by_product([daily_series(f12, "oil"), daily_series(shorter, "gas")])


def test_a_real_well_gets_a_12_month_forecast_from_its_daily_history(volve: pl.DataFrame) -> None:
    f12 = volve.filter(pl.col("well_id") == "15/9-F-12", pl.col("production_date") <= date(2014, 12, 31))
    result = forecast_well_monthly(daily_series(f12, "oil"), 12)
    assert result.status == "ok"
    assert result.points["month"].to_list()[0] == date(2015, 1, 1) and result.points.height == 12
    values = result.points.drop("month").to_numpy()
    assert np.all(np.isfinite(values)) and np.all(values >= 0)


def test_a_field_monthly_series_without_hours_is_forecast_as_calendar_volumes() -> None:
    months = [date(2010 + i // 12, i % 12 + 1, 1) for i in range(60)]
    days = np.array([(date(m.year + (m.month == 12), m.month % 12 + 1, 1) - m).days for m in months])
    volumes = 3000.0 * np.exp(-0.03 * np.arange(60)) * days
    result = forecast_monthly(months, volumes, 6, series_id="FIELD")
    assert result.points["uptime"].to_list() == [1.0] * 6
    expected = 3000.0 * np.exp(-0.03 * np.arange(60, 66))
    np.testing.assert_allclose(result.points["p50"].to_numpy(), expected, rtol=0.05)
    assert result.points["month"][0] == date(2015, 1, 1)


def _field_rows(days: list[date], wells: dict[str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"production_date": d, "well_id": w, "field_id": "FIELD", "on_stream_hrs": 24.0, "oil_sm3": v}
            for d in days
            for w, v in wells.items()
        ]
    )


def test_a_field_month_is_the_sum_of_its_wells_and_a_partial_last_month_is_dropped() -> None:
    days = [date(2015, 1, 1) + timedelta(days=i) for i in range(31 + 28 + 10)]  # Jan, Feb, 10 days of March
    history = field_monthly_history(_field_rows(days, {"A": 100.0, "B": 50.0}), "FIELD", "oil")
    assert history["month"].to_list() == [date(2015, 1, 1), date(2015, 2, 1)]
    assert history["volume_sm3"].to_list() == [31 * 150.0, 28 * 150.0]


def test_monthly_forecasts_cover_every_producing_well_and_the_field_but_no_injector(volve: pl.DataFrame) -> None:
    recent = volve.filter(pl.col("production_date").is_between(date(2013, 1, 1), date(2014, 12, 31)))
    table = forecast_monthly_all(recent.with_columns(field_id=pl.lit("VOLVE")), ("oil",), 6)
    wells = set(table.filter(pl.col("level") == "well")["series_id"].to_list())
    assert {"15/9-F-12", "15/9-F-14"} <= wells and "15/9-F-4" not in wells
    field = table.filter(pl.col("level") == "field")
    assert field["series_id"].unique().to_list() == ["VOLVE"] and field.height == 6
    assert field["month"][0] == date(2015, 1, 1)
    assert field.filter(pl.col("volume_p10") > pl.col("volume_p90")).height == 0


def test_a_monthly_forecast_is_the_median_of_the_pick_and_its_three_peers(volve: pl.DataFrame) -> None:
    f12 = volve.filter(pl.col("well_id") == "15/9-F-12", pl.col("production_date") <= date(2014, 12, 31))
    result = forecast_well_monthly(daily_series(f12, "oil"), 12)
    assert result.model.startswith("median(") and result.model.endswith(", naive, auto_ets, arps_hyperbolic)")


def test_monthly_forecasts_from_worker_processes_are_the_same_table_in_the_same_order(
    volve: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every Volve well (injectors are skipped) in two fields, one well per batch, so the batches really
    # are spread over the two workers and would come back out of order unless the merge kept it.
    recent = volve.filter(pl.col("production_date").is_between(date(2013, 1, 1), date(2014, 12, 31)))
    fields = recent.with_columns(
        field_id=pl.when(pl.col("well_id") == "15/9-F-14").then(pl.lit("EAST")).otherwise(pl.lit("VOLVE"))
    )
    serial = forecast_monthly_all(fields, ("oil", "gas"), 6)
    monkeypatch.setattr(service, "PARALLEL_MIN_WELLS", 2)
    monkeypatch.setattr(service, "CHUNK_WELLS", 1)
    parallel = forecast_monthly_all(fields, ("oil", "gas"), 6, workers=2)
    assert parallel.equals(serial)
    assert serial.filter(pl.col("level") == "field")["series_id"].unique(maintain_order=True).to_list() == [
        "EAST",
        "VOLVE",
    ]
