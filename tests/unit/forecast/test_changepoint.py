from __future__ import annotations

import numpy as np

from da_platform.forecast.changepoint import MIN_SEGMENT, last_change_index
from da_platform.forecast.decline import exponential, hyperbolic
from da_platform.forecast.select import DeclineFits, candidate_forecasters

T = np.arange(365.0)


def noisy(rates: np.ndarray, seed: int = 0, sigma: float = 0.05) -> np.ndarray:
    return rates * np.exp(np.random.default_rng(seed).normal(0, sigma, len(rates)))


def test_a_smooth_hyperbolic_decline_has_no_change_of_regime() -> None:
    assert last_change_index(T, noisy(hyperbolic(T, 1000.0, 0.01, 1.2), seed=2)) == 0


def test_a_quarter_drop_in_rate_is_found_where_it_happened() -> None:
    y = noisy(hyperbolic(T, 1000.0, 0.003, 0.8))
    y[250:] *= 0.75
    assert abs(last_change_index(T, y) - 250) <= 5


def test_of_two_changes_the_latest_is_returned() -> None:
    y = noisy(exponential(T, 800.0, 0.002))
    y[100:] *= 1.5  # a workover
    y[300:] *= 0.7  # then a choke back
    assert abs(last_change_index(T, y) - 300) <= 5


def test_index_counts_shut_in_zeros_and_a_series_too_short_to_split_has_no_change() -> None:
    y = noisy(exponential(T, 800.0, 0.002))
    y[250:] *= 0.6
    y[:50] = 0.0  # shut in: ignored by the detector, but the index is into the series as given
    assert abs(last_change_index(T, y) - 250) <= 5
    assert last_change_index(T[: 2 * MIN_SEGMENT - 1], y[100 : 100 + 2 * MIN_SEGMENT - 1]) == 0


def test_decline_candidates_fit_from_the_latest_change_on() -> None:
    # 300 days on one decline, then a step down to a steeper one: the forecast follows the new regime.
    y = np.where(T < 300, exponential(T, 1000.0, 0.001), exponential(T - 300, 500.0, 0.004))
    y = noisy(y, sigma=0.02)
    t_future = 364.0 + np.arange(1, 31)
    truth = exponential(t_future - 300, 500.0, 0.004)
    after = candidate_forecasters(DeclineFits(after_change=True))["arps_exponential"](T, y, t_future)
    across = candidate_forecasters(DeclineFits(after_change=False))["arps_exponential"](T, y, t_future)
    assert np.mean(np.abs(after / truth - 1)) < 0.03
    assert np.mean(np.abs(across / truth - 1)) > 0.1
