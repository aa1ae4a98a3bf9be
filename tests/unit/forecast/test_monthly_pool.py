"""The medium-term combination and its pooled band: a median of four forecasts, widened by earlier errors."""

from __future__ import annotations

import numpy as np
import pytest

from da_platform.forecast.monthly_pool import MIN_POOLED_ERRORS, PooledLogErrors, combined_forecast, widened
from da_platform.forecast.select import RateForecast


def _rf(p50: list[float], status: str = "ok", model: str = "m", width: float = 0.2) -> RateForecast:
    mid = np.array(p50)
    return RateForecast(model, mid * (1 - width), mid, mid * (1 + width), status, "", {})


def test_the_combination_is_the_median_of_the_pick_naive_ets_and_arps() -> None:
    forecasts = {
        "selected": _rf([100.0, 90.0], model="ses"),
        "naive": _rf([120.0, 120.0]),
        "auto_ets": _rf([95.0, 85.0]),
        "arps_hyperbolic": _rf([80.0, 70.0]),
        "mean_7": _rf([1000.0, 1000.0]),  # not a member
    }
    result = combined_forecast(forecasts)
    np.testing.assert_allclose(result.p50, [97.5, 87.5])
    assert result.model == "median(ses, naive, auto_ets, arps_hyperbolic)"


def test_the_combination_keeps_the_picks_relative_band_width() -> None:
    forecasts = {"selected": _rf([1e4]), "naive": _rf([2e4]), "auto_ets": _rf([2e4]), "arps_hyperbolic": _rf([2e4])}
    result = combined_forecast(forecasts)
    assert result.p50[0] == 2e4
    assert np.log1p(result.p90[0]) - np.log1p(result.p50[0]) == pytest.approx(np.log1p(1.2e4) - np.log1p(1e4))


def test_a_shut_in_series_stays_shut_in_rather_than_combined() -> None:
    shut = _rf([0.0, 0.0], status="shut_in", model="shut_in")
    assert combined_forecast({"selected": shut, "naive": _rf([50.0, 50.0])}) is shut


def test_pooled_quantiles_use_only_errors_known_by_the_origin() -> None:
    rng = np.random.default_rng(0)
    early = [(float(o), np.exp(rng.normal(0, 0.1, 3)), np.ones(3)) for o in range(40)]  # small errors
    late = [(100.0 + o, np.exp(rng.normal(0, 2.0, 3)), np.ones(3)) for o in range(40)]  # large errors
    pool = PooledLogErrors.of(early + late)
    q10_early, q90_early = pool.quantiles_as_of(60.0, 3)
    q10_all, q90_all = pool.quantiles_as_of(1000.0, 3)
    assert np.all(q90_early < 0.2) and np.all(q90_all > 0.5)
    assert np.all(q10_early > -0.2) and np.all(q10_all < -0.5)


def test_too_few_pooled_errors_at_a_lead_give_no_quantile() -> None:
    windows = [(float(o), np.array([2.0, np.nan]), np.ones(2)) for o in range(MIN_POOLED_ERRORS)]
    q10, q90 = PooledLogErrors.of(windows).quantiles_as_of(1e6, 2)
    assert np.isfinite(q10[0]) and np.isfinite(q90[0])
    assert np.isnan(q10[1]) and np.isnan(q90[1])  # no actual at lead 2: nothing to learn from
    q10, _ = PooledLogErrors.of(windows[:-1]).quantiles_as_of(1e6, 2)
    assert np.isnan(q10[0])


def test_the_widened_band_is_the_union_of_both_bands() -> None:
    p50 = np.array([100.0, 100.0, 100.0])
    p10, p90 = np.array([90.0, 50.0, 80.0]), np.array([110.0, 200.0, 120.0])
    q10, q90 = np.log(np.array([0.5, 0.9, np.nan])), np.log(np.array([1.5, 1.1, np.nan]))
    low, high = widened(p10, p50, p90, q10, q90)
    assert low[0] == pytest.approx(np.expm1(np.log1p(100.0) + np.log(0.5))) and low[1] == 50.0 and low[2] == 80.0
    assert high[0] == pytest.approx(np.expm1(np.log1p(100.0) + np.log(1.5))) and high[1] == 200.0 and high[2] == 120.0
