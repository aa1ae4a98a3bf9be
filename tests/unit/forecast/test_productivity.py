"""The productivity candidate (q = J (Pr - Pwf), Pr declining linearly) on synthetic wells with known
parameters, its declines on bad pressures, and its wiring into the selection and the backtest."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from da_platform.forecast.backtest import well_covariates
from da_platform.forecast.covariates import CandidateDeclined, WellCovariates
from da_platform.forecast.productivity import fit_productivity, productivity_candidate, productivity_forecast
from da_platform.forecast.select import ForecastConfig, candidate_forecasters, forecast_rate_candidates
from da_platform.forecast.series import daily_series
from tests.unit.forecast.synthetic import well_frame

J, PR0, K = 20.0, 300.0, 0.1  # Sm3/d per bar, bar at day 0, bar per day


STEPS = np.array([0.0, 10.0, -6.0, 14.0, 4.0])  # bar around 220: the operator's choke settings, 40 days each


def inflow_well(
    n: int = 300, noise: float = 0.02, seed: int = 0, held_from: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days, oil rates and downhole pressures of a well whose reservoir pressure falls from PR0 by K a day,
    with J = J, and whose Pwf steps with the operator's choke every 40 days (held from ``held_from`` on)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    setting = (np.minimum(t, n if held_from is None else held_from) // 40).astype(int) % len(STEPS)
    pwf = 220.0 + STEPS[setting] + rng.normal(0, 0.5, n)
    q = J * (PR0 - K * t - pwf) * np.exp(rng.normal(0, noise, n))
    return t, q, pwf


def truth(t_future: np.ndarray, pwf_held: float) -> np.ndarray:
    return J * (PR0 - K * t_future - pwf_held)


def test_recovers_the_known_productivity_index_reservoir_pressure_and_its_decline() -> None:
    t, q, pwf = inflow_well()
    fit = fit_productivity(t, q, pwf)
    assert fit.j == pytest.approx(J, rel=0.05)
    assert fit.pr0 == pytest.approx(PR0 - K * t[-1], abs=3.0)  # the reservoir pressure at the last day
    assert fit.pr_decline == pytest.approx(K, rel=0.1)
    assert fit.source == "downhole"


def test_forecast_at_the_latest_pressure_equals_the_known_future_within_3_percent() -> None:
    t, q, pwf = inflow_well(noise=0.01)
    fit = fit_productivity(t, q, pwf)
    future = np.arange(300, 390, dtype=float)
    expected = truth(future, float(np.median(pwf[-8:])))
    assert np.max(np.abs(productivity_forecast(fit, future) / expected - 1)) < 0.03


def test_the_forecast_is_clipped_at_zero_once_the_reservoir_falls_to_the_held_pressure() -> None:
    t, q, pwf = inflow_well(noise=0.0)
    fc = productivity_forecast(fit_productivity(t, q, pwf), np.array([400.0, 900.0]))
    assert fc[0] > 0 and fc[1] == 0.0  # Pr reaches ~220 bar near day 800


def test_declines_on_too_few_days_with_a_rate_and_a_pressure() -> None:
    t, q, pwf = inflow_well()
    gaps = np.where(t % 10 == 0, pwf, np.nan)  # a gauge reporting one day in ten: 18 days in the window
    with pytest.raises(CandidateDeclined, match=r"18 producing days with a downhole pressure \(< 30\)"):
        fit_productivity(t, q, gaps)


def test_declines_when_the_rate_does_not_rise_as_the_pressure_falls() -> None:
    t, _, pwf = inflow_well()
    q = 20.0 * (pwf - 150.0)  # the rate follows the pressure up: no inflow relation
    with pytest.raises(CandidateDeclined, match="<= 0"):
        fit_productivity(t, q, pwf)


def test_declines_when_j_is_indistinguishable_from_zero() -> None:
    t, _, pwf = inflow_well()
    # J = 1 under noise of 150 Sm3/d: this seed's estimate is positive (1.9) but only 0.9 standard errors
    q = 1000.0 + 1.0 * (220.0 - pwf) + np.random.default_rng(2).normal(0, 150.0, len(t))
    with pytest.raises(CandidateDeclined, match="indistinguishable from 0"):
        fit_productivity(t, q, pwf)


def test_declines_on_an_implausible_reservoir_pressure() -> None:
    t, _, pwf = inflow_well()
    q = 1.0 * (2500.0 - pwf)  # 2,300 Sm3/d from J = 1: a reservoir at 2,500 bar
    with pytest.raises(CandidateDeclined, match="implausible"):
        fit_productivity(t, q, pwf)


def test_declines_on_only_zero_sentinel_pressures() -> None:
    t, q, _ = inflow_well()
    with pytest.raises(CandidateDeclined, match="zero or negative"):
        fit_productivity(t, q, np.zeros(len(t)))


def test_declines_on_a_pressure_in_psi() -> None:
    t, q, pwf = inflow_well()
    with pytest.raises(CandidateDeclined, match="psi"):
        fit_productivity(t, q, pwf * 14.5038)


def test_declines_on_a_pressure_that_only_drifts_with_time() -> None:
    t, q, _ = inflow_well()
    with pytest.raises(CandidateDeclined, match="not identified"):
        fit_productivity(t, q, 230.0 - 0.05 * t)  # a held choke: J and the reservoir decline are confounded


def test_declines_without_drawdown_at_the_latest_pressure() -> None:
    t, q, pwf = inflow_well()
    pwf, q = pwf.copy(), q.copy()
    pwf[-7:] = PR0 - K * t[-1] + 5.0  # the last week's gauge reads above the reservoir pressure
    q[-7:] = 5.0
    with pytest.raises(CandidateDeclined, match="no drawdown"):
        fit_productivity(t, q, pwf)


def test_declines_when_the_last_pressure_reading_is_a_month_before_the_origin() -> None:
    t, q, pwf = inflow_well()
    with pytest.raises(CandidateDeclined, match="last downhole pressure 40 days before the origin"):
        fit_productivity(t, q, np.where(t < 260, pwf, np.nan))  # the gauge failed 40 days before the origin


def test_a_failed_downhole_gauge_hands_over_to_the_wellhead_pressure() -> None:
    t, q, pwf = inflow_well()
    assert fit_productivity(t, q, np.where(t < 260, pwf, np.nan), pwf - 150.0).source == "wellhead"


def test_falls_back_to_the_wellhead_pressure_when_the_downhole_gauge_has_no_reading() -> None:
    t, q, pwf = inflow_well()
    fit = fit_productivity(t, q, np.full(len(t), np.nan), pwf - 150.0)  # a constant tubing head of 150 bar
    assert fit.source == "wellhead"
    assert fit.j == pytest.approx(J, rel=0.05)


def test_a_future_pressure_change_does_not_change_the_forecast_made_at_the_origin() -> None:
    t, q, pwf = inflow_well(400, noise=0.01, held_from=200)  # the choke held for the inner origins' windows
    changed = pwf.copy()
    changed[300:] -= 50.0  # the operator opens the choke after the origin
    config = ForecastConfig(candidates=("median_7", "productivity"), inner_origins=3)
    future = np.arange(300, 330, dtype=float)
    a, b = (
        forecast_rate_candidates(t[:300], q[:300], future, 299.0, config, True, (), covariates)
        for covariates in (WellCovariates(q, q * 0, np.zeros(0), downhole_pressure=p) for p in (pwf, changed))
    )
    np.testing.assert_array_equal(a["productivity"].p50, b["productivity"].p50)
    assert a["selected"].model == "productivity"  # the right model wins its own synthetic well


def test_candidate_forecasters_run_productivity_with_covariates_and_decline_without() -> None:
    t, q, pwf = inflow_well()
    future = np.arange(300, 330, dtype=float)
    covariates = WellCovariates(q, np.zeros(len(t)), np.zeros(0), downhole_pressure=pwf)
    out = candidate_forecasters(covariates=covariates)["productivity"](t, q, future)
    np.testing.assert_allclose(out, productivity_candidate(covariates, t, q, future))
    assert np.all(out > 0)
    with pytest.raises(CandidateDeclined, match="no covariates"):
        candidate_forecasters()["productivity"](t, q, future)


def test_the_candidate_starts_its_fit_after_the_latest_known_break() -> None:
    t, q, pwf = inflow_well()
    q = np.where(t < 200, q * 0.5, q)  # a workover at day 200 doubled J
    covariates = WellCovariates(q, np.zeros(len(t)), np.array([200.0]), downhole_pressure=pwf)
    future = np.arange(300, 330, dtype=float)
    expected = truth(future, float(np.median(pwf[-8:])))
    assert np.max(np.abs(productivity_candidate(covariates, t, q, future) / expected - 1)) < 0.05


def test_the_backtest_covariates_carry_the_silver_pressures_on_the_oil_calendar() -> None:
    _, q, pwf = inflow_well()
    rows = well_frame(q).with_columns(
        avg_downhole_pressure_bar=pl.Series([None if i == 5 else p for i, p in enumerate(pwf)], dtype=pl.Float64),
        avg_whp_bar=pl.Series(pwf - 150.0),
    )
    covariates = well_covariates(rows, daily_series(rows, "oil"))
    assert covariates is not None
    assert np.isnan(covariates.downhole_pressure[5])
    np.testing.assert_allclose(covariates.downhole_pressure[6:], pwf[6:])
    np.testing.assert_allclose(covariates.wellhead_pressure, pwf - 150.0)
