from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from da_platform.forecast.decline import (
    exponential,
    fit_arps,
    fit_arps_many,
    harmonic,
    hyperbolic,
    modified_hyperbolic,
    noise_scale,
)
from da_platform.forecast.select import DeclineFits
from da_platform.forecast.series import daily_series

QI, DI, B = 1000.0, 0.01, 0.8


def noisy_curve_with_dips(seed: int, n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """A known hyperbolic with 5 % log noise and 12 % shut-in-like dips (rate x 0.05..0.5)."""
    rng = np.random.default_rng(seed)
    t = np.arange(float(n))
    q = hyperbolic(t, QI, DI, B) * np.exp(rng.normal(0, 0.05, n))
    dips = rng.random(n) < 0.12
    q[dips] *= rng.uniform(0.05, 0.5, dips.sum())
    return t, q


def test_harmonic_is_hyperbolic_with_b_one_and_small_b_tends_to_exponential() -> None:
    t = np.array([0.0, 10.0, 100.0])
    np.testing.assert_allclose(harmonic(t, QI, DI), QI / (1 + DI * t))
    np.testing.assert_allclose(hyperbolic(t, QI, DI, 1e-9), exponential(t, QI, DI))
    np.testing.assert_allclose(hyperbolic(t, QI, DI, 1e-4), exponential(t, QI, DI), rtol=1e-3)


def test_modified_hyperbolic_switches_to_the_terminal_exponential_decline() -> None:
    d_term = 0.001
    t_switch = (DI / d_term - 1) / (B * DI)
    t = np.array([t_switch / 2, t_switch + 100.0, t_switch + 200.0])
    q = modified_hyperbolic(t, QI, DI, B, d_term)
    assert q[0] == pytest.approx(hyperbolic(t[:1], QI, DI, B)[0])
    assert q[2] / q[1] == pytest.approx(np.exp(-d_term * 100.0))
    assert np.all(np.isfinite(modified_hyperbolic(np.arange(0, 1e5, 1000.0), QI, DI, B, d_term)))


@pytest.mark.parametrize("model", ["exponential", "harmonic", "hyperbolic", "modified_hyperbolic"])
def test_robust_fit_recovers_a_clean_curve_of_each_model(model: str) -> None:
    t = np.arange(0.0, 400.0)
    truth = {
        "exponential": exponential(t, QI, DI),
        "harmonic": harmonic(t, QI, DI),
        "hyperbolic": hyperbolic(t, QI, DI, B),
        "modified_hyperbolic": modified_hyperbolic(t, QI, DI, B, 0.002),
    }
    fit = fit_arps(t, truth[model], model, d_terminal=0.002)  # type: ignore[arg-type]
    assert fit.qi == pytest.approx(QI, rel=0.01)
    assert fit.di == pytest.approx(DI, rel=0.03)
    if model in ("hyperbolic", "modified_hyperbolic"):
        assert fit.b == pytest.approx(B, abs=0.05)


def test_robust_fit_recovers_known_parameters_from_noisy_daily_curve_with_dips() -> None:
    fits = [fit_arps(*noisy_curve_with_dips(seed), "hyperbolic") for seed in range(5)]
    for fit in fits:
        assert fit.qi == pytest.approx(QI, rel=0.05)
        assert fit.di == pytest.approx(DI, rel=0.15)
        assert fit.b == pytest.approx(B, abs=0.15)


def test_robust_fit_is_closer_to_the_truth_than_plain_least_squares_on_curves_with_dips() -> None:
    robust_err, plain_err = [], []
    for seed in range(8):
        t, q = noisy_curve_with_dips(seed)
        r, p = fit_arps(t, q, "hyperbolic"), fit_arps(t, q, "hyperbolic", loss="linear")
        robust_err.append((abs(r.qi / QI - 1), abs(r.b - B)))
        plain_err.append((abs(p.qi / QI - 1), abs(p.b - B)))
    robust, plain = np.mean(robust_err, axis=0), np.mean(plain_err, axis=0)
    # Plain least squares is dragged down by the dips: qi biased low, b far less certain.
    assert robust[0] < plain[0] / 2
    assert robust[1] < plain[1] / 2


def test_fit_keeps_b_and_di_within_their_bounds_on_a_rising_series() -> None:
    t = np.arange(0.0, 100.0)
    fit = fit_arps(t, 100.0 + t, "hyperbolic")
    assert 0.0 <= fit.b <= 2.0
    assert 0.0 <= fit.di <= 1.0
    assert np.all(np.isfinite(fit.rate(t + 100)))


def test_fit_handles_calendar_gaps_in_the_time_axis() -> None:
    t = np.concatenate([np.arange(0.0, 100.0), np.arange(200.0, 300.0)])  # a 100-day gap
    fit = fit_arps(t + 50.0, exponential(t, QI, DI), "exponential")
    assert fit.di == pytest.approx(DI, rel=0.01)
    assert fit.rate(np.array([350.0]))[0] == pytest.approx(exponential(np.array([300.0]), QI, DI)[0], rel=0.01)


def test_fit_recovers_a_curve_on_a_time_axis_of_fractional_units() -> None:
    # Weeks from daily data: the grid start cannot look its curves up by whole time unit here.
    t = np.arange(0.0, 400.0) / 7.0
    fit = fit_arps(t, hyperbolic(t, QI, DI * 7.0, B), "hyperbolic")
    assert fit.qi == pytest.approx(QI, rel=0.01)
    assert fit.di == pytest.approx(DI * 7.0, rel=0.03)
    assert fit.b == pytest.approx(B, abs=0.05)


def test_fit_refuses_fewer_than_three_points() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_arps(np.array([0.0, 1.0]), np.array([10.0, 9.0]))


def test_fitting_windows_together_gives_each_window_its_own_fit() -> None:
    # Windows of different lengths (padding), one window shared by three models (as the forecast's inner
    # origins fit them) and every model family, including the numerically differentiated one.
    windows = [noisy_curve_with_dips(seed, n) for seed, n in ((0, 500), (1, 120), (2, 45))]
    pairs = [(w, m) for w in windows for m in ("exponential", "harmonic", "hyperbolic")]
    pairs.append((windows[1], "modified_hyperbolic"))
    together = fit_arps_many([w for w, _ in pairs], [m for _, m in pairs])
    for (window, model), fit in zip(pairs, together, strict=True):
        alone = fit_arps(*window, model)  # type: ignore[arg-type]
        assert fit.model == model
        assert (fit.qi, fit.di, fit.b, fit.cost) == pytest.approx((alone.qi, alone.di, alone.b, alone.cost), rel=1e-6)


def test_a_fit_against_a_bound_still_reaches_the_optimum(volve: pl.DataFrame) -> None:
    # F-14's latest regime before its 1,750th producing day rises, so the best exponential sits on the
    # lower bound di = 0: a flat line. Steps computed as if di could go negative and then clipped used to
    # crawl along the bound and stop 4 % away from the best flat line.
    series = daily_series(volve.filter(pl.col("well_id") == "15/9-F-14"), "oil", "15/9-F-14")
    t, y = series.day_index[series.producing][:1750], series.rate[series.producing][:1750]
    tw, yw = DeclineFits(365.0, True).fit_window(t, y)
    fit = fit_arps(tw, yw, "exponential")
    scale, f = np.median(yw), noise_scale(yw)
    levels = np.linspace(0.5, 1.5, 20001) * scale
    z = ((levels[:, None] - yw[None, :]) / scale / f) ** 2
    best_flat = (0.5 * f**2 * (2.0 * (np.sqrt(1.0 + z) - 1.0)).sum(axis=1)).min()
    assert fit.di == 0.0
    assert fit.cost <= best_flat * (1 + 1e-6)
