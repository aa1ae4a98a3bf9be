from __future__ import annotations

import numpy as np

from da_platform.forecast.intervals import apply_band, empirical_quantiles, fallback_quantiles


def test_empirical_band_holds_about_80_percent_of_fresh_errors_from_the_same_distribution() -> None:
    rng = np.random.default_rng(0)
    lead = np.tile(np.arange(1, 31), 40)
    errors = rng.normal(0, 0.2, lead.size)
    q = empirical_quantiles(lead, errors, 30, noise=0.05)
    fresh = rng.normal(0, 0.2, 20000)
    inside = np.mean((fresh >= q.q10[10]) & (fresh <= q.q90[10]))
    assert 0.75 <= inside <= 0.85
    assert q.source == "empirical"


def test_band_widens_with_lead_time() -> None:
    rng = np.random.default_rng(1)
    lead = np.tile(np.arange(1, 91), 30)
    errors = rng.normal(0, 0.02 * np.sqrt(lead))
    q = empirical_quantiles(lead, errors, 90, noise=0.05)
    assert np.all(np.diff(q.q90) >= 0) and np.all(np.diff(q.q10) <= 0)
    assert q.q90[80] > q.q90[3]


def test_too_few_errors_fall_back_to_a_noise_band() -> None:
    q = empirical_quantiles(np.array([1, 2]), np.array([0.1, -0.1]), 30, noise=0.05)
    assert q.source == "noise_fallback"
    assert np.all(q.q90 > 0) and np.all(q.q10 < 0)


def test_band_is_never_nan_or_negative_even_for_zero_and_nan_points() -> None:
    p10, p50, p90 = apply_band(np.array([0.0, np.nan, 5.0]), fallback_quantiles(3, noise=0.5))
    for arr in (p10, p50, p90):
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0)
    assert np.all(p10 <= p50) and np.all(p50 <= p90)
