from __future__ import annotations

import numpy as np
import pytest

from da_platform.forecast import statistical
from da_platform.forecast.select import candidate_forecasters, safe_predict


def test_auto_ets_follows_an_exponential_decline() -> None:
    t = np.arange(200, dtype=float)
    y = 1000.0 * np.exp(-0.005 * t)
    out = statistical.auto_ets(y, 30)
    expected = 1000.0 * np.exp(-0.005 * np.arange(200, 230))
    np.testing.assert_allclose(out, expected, rtol=0.05)


def test_auto_theta_holds_the_level_of_a_flat_noisy_rate() -> None:
    y = 500.0 + np.random.default_rng(3).normal(0.0, 10.0, 300)
    out = statistical.auto_theta(y, 60)
    assert out.shape == (60,)
    assert np.all(np.abs(out - 500.0) < 25.0)


def test_a_series_too_short_for_a_statistical_model_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 14"):
        statistical.auto_ets(np.array([1.0, 2.0, 3.0]), 5)


def test_a_too_short_series_falls_back_to_the_recent_median_as_a_candidate() -> None:
    fn = candidate_forecasters()["auto_ets"]
    y = np.array([100.0, 110.0, 90.0, 105.0])
    out = safe_predict(fn, np.arange(4.0), y, np.arange(4.0, 10.0))
    np.testing.assert_allclose(out, np.full(6, 102.5))
