"""The medium-term backtest on monthly series: origins, scales, the bundled Sodir copy, and short series."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from da_platform.forecast.monthly_backtest import (
    MonthlyBacktestConfig,
    MonthlyWindow,
    backtest_monthly_series,
    monthly_backtest_sodir,
    monthly_windows,
    pooled_bands,
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
    benchmarks = {"naive", "auto_ets", "arps_hyperbolic", "inner_pick"}
    assert set(ahead["metric"]) == {f"ahead_of_{b}" for b in benchmarks}
    assert ahead["series"].to_list() == [2, 2, 2, 2]
    assert ahead["value"].is_between(0, 1).all()
    assert set(table.filter(pl.col("metric") == "mase")["model"]) == {"selected", *benchmarks}


def _windows_of_two_fields() -> list[MonthlyWindow]:
    return [
        *monthly_windows("t", "A", "oil", START + np.arange(120), decline(120, noise=0.15, seed=1), None, FAST),
        *monthly_windows("t", "B", "oil", START + np.arange(120), decline(120, noise=0.15, seed=2), None, FAST),
    ]


def test_the_chosen_monthly_forecast_is_the_median_around_the_inner_pick() -> None:
    for w in _windows_of_two_fields():
        members = [w.bands[m][1] for m in ("inner_pick", "naive", "auto_ets", "arps_hyperbolic")]
        np.testing.assert_allclose(w.bands["selected"][1], np.median(members, axis=0))


def test_a_pooled_band_is_never_narrower_than_the_own_band() -> None:
    windows = _windows_of_two_fields()
    for own, pooled in zip(windows, pooled_bands(windows), strict=True):
        assert np.all(pooled.bands["selected"][0] <= own.bands["selected"][0])
        assert np.all(pooled.bands["selected"][2] >= own.bands["selected"][2])
        assert pooled.bands["naive"] is own.bands["naive"]  # benchmarks keep their own bands


def test_a_pooled_band_reads_no_error_of_a_month_after_its_origin() -> None:
    windows = _windows_of_two_fields()
    first = min(w.origin for w in windows)
    # Wreck every actual known after the earliest origin: that window's band must not move.
    wrecked = [replace(w, actual=w.actual * 50) if w.origin > first else w for w in windows]
    before = next(w for w in pooled_bands(windows) if w.origin == first)
    after = next(w for w in pooled_bands(wrecked) if w.origin == first)
    for a, b in zip(before.bands["selected"], after.bands["selected"], strict=True):
        np.testing.assert_array_equal(a, b)
