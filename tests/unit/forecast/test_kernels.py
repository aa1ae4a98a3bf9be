"""The compiled loops compute what their plain numpy definitions compute."""

from __future__ import annotations

import numpy as np
import pytest

from da_platform.forecast import kernels


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


def test_solve3_solves_a_system_as_numpy_does(rng: np.random.Generator) -> None:
    a, b = rng.normal(size=(3, 3)), rng.normal(size=3)
    x, ok = kernels._solve3(a, b)
    assert ok
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-12)


def test_solve3_reports_a_singular_system_instead_of_dividing_by_zero() -> None:
    _, ok = kernels._solve3(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]]), np.ones(3))
    assert not ok


def test_segment_sse_is_the_squared_error_of_a_quadratic_fit_on_each_side(rng: np.random.Generator) -> None:
    u = np.sort(rng.uniform(0.0, 1.0, 90))
    z = 3.0 - 2.0 * u + rng.normal(0.0, 0.1, 90)
    left, right = kernels.segment_sse(u, z)

    def sse(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.sum((np.polyval(np.polyfit(x, y, 2), x) - y) ** 2))

    # Splits the change search uses leave MIN_SEGMENT (30) points or more on each side; on a handful of
    # points the ridge that keeps the normal equations solvable moves the fit.
    for k in (30, 45, 60):
        assert left[k] == pytest.approx(sse(u[:k], z[:k]), rel=1e-6, abs=1e-9)
        assert right[k] == pytest.approx(sse(u[k:], z[k:]), rel=1e-6, abs=1e-9)


def test_ses_errors_are_the_one_step_errors_of_the_smoothing_recursion(rng: np.random.Generator) -> None:
    y = rng.lognormal(5.0, 0.2, 200)
    alphas = np.array([0.1, 0.5, 0.9])
    expected, final_levels = [], []
    for alpha in alphas:
        level, total = y[0], 0.0
        for value in y[1:]:
            total += (value - level) ** 2
            level = alpha * value + (1 - alpha) * level
        expected.append(total)
        final_levels.append(level)
    np.testing.assert_allclose(kernels.ses_errors(y, alphas), expected, rtol=1e-10)
    np.testing.assert_allclose([kernels.ses_level(y, a) for a in alphas], final_levels, rtol=1e-12)


def test_median_pairwise_slope_is_the_median_over_all_later_pairs(rng: np.random.Generator) -> None:
    t = np.sort(rng.uniform(0.0, 100.0, 40))
    t[5] = t[4]  # a tie in time is left out, not divided by zero
    y = 50.0 - 0.3 * t + rng.normal(0.0, 1.0, 40)
    i, j = np.triu_indices(len(t), 1)
    dt = t[j] - t[i]
    expected = np.median((y[j] - y[i])[dt > 0] / dt[dt > 0])
    assert kernels.median_pairwise_slope(t, y) == pytest.approx(expected, rel=1e-12)


def test_log_change_mad_skips_non_positive_rates(rng: np.random.Generator) -> None:
    q = rng.lognormal(4.0, 0.3, 100)
    q[[10, 20]] = 0.0
    d = np.diff(np.log(q[q > 0]))
    assert kernels.log_change_mad(q) == pytest.approx(np.median(np.abs(d - np.median(d))), rel=1e-12)
    assert np.isnan(kernels.log_change_mad(np.array([1.0, 0.0, 2.0])))


def test_the_curve_in_the_fit_is_the_curve_that_forecasts() -> None:
    t = np.arange(0.0, 400.0)
    rates = kernels.decline_curve(kernels.HYPERBOLIC, t, 1000.0, 0.01, 0.5, 0.0)
    np.testing.assert_allclose(rates, 1000.0 * (1 + 0.5 * 0.01 * t) ** (-1 / 0.5), rtol=1e-12)
    r, shape, log_x = np.empty(len(t)), np.empty(len(t)), np.empty(len(t))
    kernels._evaluate(
        kernels.HYPERBOLIC, t, np.zeros(len(t)), np.array([1000.0, 0.01, 0.5]), 1.0, 0.0, 1.0, True, False, r, shape,
        log_x,
    )  # fmt: skip
    np.testing.assert_array_equal(r, rates)
