"""The medium-term backtest on monthly series: origins, scales, the bundled Sodir copy, and short series."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from da_platform.forecast.monthly_backtest import (
    MonthlyBacktestConfig,
    backtest_monthly_series,
    monthly_backtest_sodir,
    read_sodir_monthly,
    seasonal_scale,
    sodir_sample_path,
    summarize_monthly,
)

FAST = MonthlyBacktestConfig(origins_per_series=2)
START = 2000 * 12  # January 2000 as a month index


def decline(n: int, di: float = 0.03, seasonal: float = 0.0, noise: float = 0.02, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.arange(n)
    return 1e6 * np.exp(-di * m) * (1 + seasonal * np.sin(2 * np.pi * m / 12)) * np.exp(rng.normal(0, noise, n))


def test_the_bundled_sodir_copy_has_every_field_in_sm3() -> None:
    fields = read_sodir_monthly(sodir_sample_path())
    assert fields["field"].n_unique() == 127 and fields.height == 26580
    ekofisk = fields.filter((pl.col("field") == "EKOFISK") & (pl.col("month_index") == 2020 * 12))
    assert ekofisk["oil_sm3"][0] > 1e5  # million Sm3 x 1e6, not million Sm3


def test_a_clean_monthly_decline_is_forecast_better_than_naive_at_12_months() -> None:
    volume = decline(120)
    rows = pl.DataFrame(backtest_monthly_series("t", "F", "oil", START + np.arange(120), volume, None, FAST))
    assert set(rows["horizon_months"]) == {3, 6, 12}
    mase = dict(rows.filter(pl.col("horizon_months") == 12).group_by("model").agg(pl.col("mase").mean()).iter_rows())
    assert mase["selected"] < mase["naive"] and mase["arps_hyperbolic"] < mase["naive"]
    assert rows["mase"].is_finite().all() and rows["coverage_p10_p90"].is_finite().all()


def test_origins_leave_the_required_history_before_and_twelve_months_after() -> None:
    rows = backtest_monthly_series("t", "F", "oil", START + np.arange(60), decline(60), None, FAST)
    origins = {r["origin_month"] - START for r in rows}
    assert min(origins) >= 35 and max(origins) <= 59 - 12


def test_a_series_of_a_few_months_gives_no_window_rather_than_a_nan() -> None:
    assert backtest_monthly_series("t", "F", "oil", START + np.arange(30), decline(30), None, FAST) == []


def test_negative_net_months_are_not_training_points_and_give_finite_scores() -> None:
    volume = decline(80)
    volume[[40, 41, 50]] = -5.0  # Sodir net volumes can be negative
    rows = backtest_monthly_series("t", "F", "oil", START + np.arange(80), volume, None, FAST)
    assert rows and all(np.isfinite(r["mase"]) for r in rows)


def test_the_seasonal_scale_is_the_mean_twelve_month_difference() -> None:
    months = np.arange(36)
    y = np.tile(np.arange(12, dtype=float), 3) + np.repeat([0.0, 2.0, 4.0], 12)  # each year 2 above the last
    assert seasonal_scale(y, months) == pytest.approx(2.0)
    assert np.isnan(seasonal_scale(y[:20], months[:20]))  # 8 pairs: too few


def test_summary_gives_each_benchmark_and_the_share_of_fields_ahead_of_it() -> None:
    frame = pl.concat(
        [
            pl.DataFrame(
                {
                    "field": f,
                    "month_index": START + np.arange(72),
                    "oil_sm3": decline(72, seed=i),
                    "gas_sm3": decline(72, seed=i + 5) * 100,
                }
            )
            for i, f in enumerate(("A", "B"))
        ]
    )
    table = summarize_monthly(monthly_backtest_sodir(frame, ("oil",), replace(FAST, horizons=(12,))))
    ahead = table.filter(pl.col("metric").str.starts_with("ahead_of_"))
    assert set(ahead["metric"]) == {"ahead_of_naive", "ahead_of_auto_ets", "ahead_of_arps_hyperbolic"}
    assert ahead["series"].to_list() == [2, 2, 2]
    assert ahead["value"].is_between(0, 1).all()
    assert set(table.filter(pl.col("metric") == "mase")["model"]) == {
        "selected",
        "naive",
        "auto_ets",
        "arps_hyperbolic",
    }
