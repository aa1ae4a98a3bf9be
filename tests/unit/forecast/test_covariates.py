"""The candidates that use more than the oil rate, on synthetic wells with known parameters."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from da_platform.forecast.covariates import (
    CHOKE_SPAN,
    CandidateDeclined,
    WellCovariates,
    choke_change_days,
    event_break_days,
    fit_wor_liquid,
    gor_gas_forecast,
    last_break_before,
    wor_liquid_forecast,
)
from da_platform.forecast.select import (
    DeclineFits,
    ForecastConfig,
    forecast,
    forecast_rate_candidates,
    known_breaks,
    safe_predict,
)
from da_platform.forecast.series import daily_series
from tests.unit.forecast.synthetic import declining_rates, well_frame

B_LIQUID, D_WOR = 0.002, 2e-5  # liquid decline per day, ln WOR growth per Sm3 of cumulative oil


def waterflood(n: int, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily oil and water of a well whose liquid declines at B_LIQUID and whose ln WOR grows by D_WOR per
    Sm3 of oil, from WOR 0.2 at day 0 (the model ``wor_liquid`` assumes, stepped day by day)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    oil, water, cum = np.empty(n), np.empty(n), 0.0
    for i in range(n):
        liquid = 3000.0 * np.exp(-B_LIQUID * i)
        wor = 0.2 * np.exp(D_WOR * cum)
        oil[i] = liquid / (1 + wor)
        water[i] = liquid - oil[i]
        cum += oil[i]
    return t, oil * np.exp(rng.normal(0, noise, n)), water * np.exp(rng.normal(0, noise, n))


def test_wor_liquid_recovers_the_liquid_decline_and_the_wor_growth() -> None:
    t, oil, water = waterflood(400)
    fit = fit_wor_liquid(t, oil, water)
    assert fit.liquid_decline == pytest.approx(B_LIQUID, rel=0.02)
    assert fit.wor_slope == pytest.approx(D_WOR, rel=0.05)


def test_wor_liquid_forecasts_the_oil_of_a_noisy_waterflood_within_3_percent_at_90_days() -> None:
    t, oil, water = waterflood(490, noise=0.03)
    _, truth, _ = waterflood(490)
    fc = wor_liquid_forecast(fit_wor_liquid(t[:400], oil[:400], water[:400]), t[400:])
    assert np.max(np.abs(fc / truth[400:] - 1)) < 0.03
    # a decline of oil alone misses the water: the WOR growth makes oil fall faster than liquid
    assert fc[-1] / fc[0] < np.exp(-B_LIQUID * 89)


def test_gas_is_oil_times_the_gor_trend() -> None:
    t = np.arange(300, dtype=float)
    oil = 1000 * np.exp(-0.001 * t)
    gas = oil * 150 * np.exp(0.0005 * t)  # GOR 150 growing 0.05 % a day
    t_f = np.arange(300, 330, dtype=float)
    oil_f = 1000 * np.exp(-0.001 * t_f)
    np.testing.assert_allclose(gor_gas_forecast(t, oil, gas, oil_f, t_f), oil_f * 150 * np.exp(0.0005 * t_f), rtol=1e-3)


def test_an_operator_event_is_a_break_the_fit_starts_after() -> None:
    t, oil, water = waterflood(400)
    water = water.copy()
    water[:300] *= 3.0  # before the workover at day 300 the well made three times the water
    fit = fit_wor_liquid(t, oil, water, window=400, after=last_break_before(np.array([50.0, 300.0, 450.0]), 399))
    assert fit.wor_slope == pytest.approx(D_WOR, rel=0.1)
    assert last_break_before(np.array([450.0]), 399) is None


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing_water", "missing water"),
        ("cut_above_one", r"water cut outside \[0, 1\]"),
        ("dry", "no WOR trend"),
        ("few_days", "days with oil and water"),
    ],
)
def test_bad_input_makes_the_candidate_decline_with_a_reason(case: str, reason: str) -> None:
    t, oil, water = waterflood(200)
    oil, water = oil.copy(), water.copy()
    if case == "missing_water":
        water[20:190] = np.nan  # no water reported on most days
    elif case == "cut_above_one":
        oil[150] = -40.0  # a bad volume: water / (oil + water) > 1
    elif case == "dry":
        water[:] = 0.0
    else:
        t, oil, water = t[:12], oil[:12], water[:12]
    with pytest.raises(CandidateDeclined, match=reason):
        fit_wor_liquid(t, oil, water)


def test_in_the_selection_a_declined_candidate_is_scored_as_the_recent_median_never_nan() -> None:
    t, oil, water = waterflood(200)
    water = np.full_like(water, np.nan)
    covariates = WellCovariates(oil, water, np.zeros(0))
    out = safe_predict(covariates.wor_liquid, t, oil, np.arange(200, 230, dtype=float))
    assert np.all(np.isfinite(out)) and np.allclose(out, np.median(oil[-7:]))


def test_the_selection_uses_only_water_known_before_the_origin() -> None:
    t, oil, water = waterflood(400, noise=0.01)
    config = ForecastConfig(candidates=("median_7", "wor_liquid"), inner_origins=3)
    future = np.arange(300, 330, dtype=float)
    changed = water.copy()
    changed[300:] *= 10  # water after the origin must not change the forecast made at it
    a = forecast_rate_candidates(
        t[:300], oil[:300], future, 299.0, config, True, (), WellCovariates(oil, water, np.zeros(0))
    )
    b = forecast_rate_candidates(
        t[:300], oil[:300], future, 299.0, config, True, (), WellCovariates(oil, changed, np.zeros(0))
    )
    np.testing.assert_array_equal(a["wor_liquid"].p50, b["wor_liquid"].p50)
    assert a["selected"].model == "wor_liquid"  # the right model wins its own synthetic well


def test_gor_gas_in_the_selection_forecasts_gas_from_the_oil_decline_and_the_gor_growth() -> None:
    t = np.arange(400, dtype=float)
    oil = 1000 * np.exp(-0.002 * t)
    gas = oil * 150 * np.exp(0.001 * t)  # gas declines at 0.1 %/day: oil's 0.2 % less the GOR's 0.1 % growth
    future = np.arange(400, 490, dtype=float)
    fc = WellCovariates(oil, np.zeros(400), np.zeros(0)).gor_gas(t, gas, future)
    np.testing.assert_allclose(fc, 150_000 * np.exp(-0.001 * future), rtol=0.01)


def test_gor_gas_declines_without_oil_on_enough_days() -> None:
    t = np.arange(100, dtype=float)
    oil = np.where(t < 90, np.nan, 500.0)  # oil reported on 10 days only
    with pytest.raises(CandidateDeclined, match="days with oil"):
        WellCovariates(oil, np.zeros(100), np.zeros(0)).gor_gas(t, np.full(100, 5e4), t[-10:] + 10)


def test_a_sustained_choke_step_is_found_on_its_day_and_known_a_span_later() -> None:
    choke = np.full(200, 40.0) + np.random.default_rng(1).normal(0, 1.0, 200)
    choke[120:] += 30.0  # the operator opened the choke by 30 points on day 120
    choke[50] = np.nan  # a day without a choke report
    days, known = choke_change_days(choke)
    assert len(days) == 1
    assert abs(days[0] - 120.0) <= 1.0  # the noise can move the medians' step by a day
    assert known[0] == days[0] + CHOKE_SPAN - 1


def test_choke_noise_below_the_step_is_no_break() -> None:
    choke = np.full(200, 40.0) + np.random.default_rng(2).normal(0, 2.0, 200)
    assert choke_change_days(choke).shape == (2, 0)


def test_a_choke_given_as_a_fraction_declines_with_a_reason() -> None:
    with pytest.raises(CandidateDeclined, match="fraction"):
        choke_change_days(np.full(100, 0.4))


def test_only_long_downtimes_and_workovers_are_event_breaks() -> None:
    starts, ends = np.array([10, 40, 80, 120]), np.array([10, 49, 81, 120])
    breaks = event_break_days(starts, ends, ["well_test", "downtime", "downtime", "workover"])
    assert breaks.tolist() == [50.0, 121.0]  # the day after the 10-day downtime and after the workover


def test_a_choke_change_is_no_break_before_the_days_that_reveal_it() -> None:
    cov = WellCovariates(np.zeros(0), np.zeros(0), np.array([30.0]), np.array([[120.0], [126.0]]))
    assert cov.last_break(125.0) == 30.0
    assert cov.last_break(126.0) == 120.0


def test_the_decline_fit_starts_after_the_latest_known_break() -> None:
    t = np.arange(300, dtype=float)
    y = np.where(t < 200, 500.0, 900.0) * np.exp(-0.001 * t)  # a workover at day 200 lifted the rate
    fits = DeclineFits(365.0, after_change=False, breaks=lambda origin: 200.0 if origin >= 200 else None)
    tw, _ = fits.fit_window(t, y)
    assert tw[0] == 200.0
    assert DeclineFits(365.0, after_change=False).fit_window(t, y)[0][0] == 0.0


def _choked_well(choke_after: float) -> pl.DataFrame:
    """A well declining at 0.1 %/day whose choke steps from 40 % to ``choke_after`` on day 250."""
    rows = well_frame(declining_rates(400, qi=800.0, di=0.001, noise=0.02))
    return rows.with_columns(avg_choke_size_pct=pl.Series(np.where(np.arange(400) < 250, 40.0, choke_after)))


def test_the_forecast_reads_the_choke_breaks_from_the_silver_rows() -> None:
    rows = _choked_well(70.0)
    series = daily_series(rows, "oil")
    days, _ = known_breaks(rows, series, ForecastConfig()).choke_breaks
    assert days.tolist() == [250.0]
    assert known_breaks(rows, series, ForecastConfig(fit_after_breaks=False)) is None


def test_a_choke_in_other_units_gives_no_breaks_and_the_forecast_still_runs() -> None:
    rows = _choked_well(70.0).with_columns(avg_choke_size_pct=pl.col("avg_choke_size_pct") / 100.0)
    assert known_breaks(rows, daily_series(rows, "oil"), ForecastConfig()).choke_breaks.shape == (2, 0)
    result = forecast(rows, 30)
    assert result.status == "ok"
    assert np.isfinite(result.points["p50"].to_numpy()).all()
