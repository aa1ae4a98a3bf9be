from __future__ import annotations

import numpy as np
import pytest

from da_platform.forecast.outages import UptimeCurve
from da_platform.forecast.series import daily_series
from da_platform.forecast.uptime import Uptime, _linear_quantiles, estimate_uptime, volume_band

from .synthetic import well_frame


def test_a_well_always_on_has_uptime_one_with_a_lower_band_below_one() -> None:
    up = estimate_uptime(daily_series(well_frame(np.full(120, 100.0)), "oil"))
    assert up.mean == pytest.approx(1.0)
    assert up.p10 < up.p50 <= up.p90 <= 1.0
    assert up.p10 > 0.7


def test_uptime_is_the_on_stream_share_of_the_recent_window() -> None:
    hours = np.tile([24.0, 0.0], 100)  # on every other day
    up = estimate_uptime(daily_series(well_frame(np.full(200, 100.0), hours), "oil"), window_days=90)
    assert up.mean == pytest.approx(0.5, abs=0.01)
    assert up.p10 < 0.5 < up.p90


def test_calendar_gaps_do_not_count_as_shut_in_days() -> None:
    frame = well_frame(np.full(120, 100.0))
    gappy = frame.filter((np.arange(120) % 3) != 0)  # a third of the days not reported
    up = estimate_uptime(daily_series(gappy, "oil"))
    assert up.mean == pytest.approx(1.0)
    assert up.observed_days == 60


def test_volume_band_is_the_rate_band_scaled_by_a_nearly_certain_uptime() -> None:
    certain = Uptime(0.5, 0.5, 0.5, 0.5, 90, 90, a=50_000.0, b=50_000.0)
    v10, v50, v90 = volume_band(np.array([80.0]), np.array([100.0]), np.array([130.0]), certain)
    np.testing.assert_allclose([v10[0], v50[0], v90[0]], [40.0, 50.0, 65.0], rtol=0.03)


def test_an_uncertain_uptime_widens_the_volume_band_beyond_the_rate_band() -> None:
    rate = (np.array([100.0]), np.array([100.0]), np.array([100.0]))
    v10, v50, v90 = volume_band(*rate, Uptime(0.5, 0.1, 0.5, 0.9, 90, 0))
    assert v10[0] < 20.0 < 80.0 < v90[0] <= 100.0
    assert v10[0] <= v50[0] <= v90[0]


def test_volume_quantiles_are_numpys_linear_quantiles_of_each_day() -> None:
    rng = np.random.default_rng(3)
    draws = np.round(rng.lognormal(3.0, 1.0, (7, 999)), 1)  # ties included, an odd number of draws
    expected = np.quantile(draws, [0.1, 0.5, 0.9], axis=1)
    ours = _linear_quantiles(draws, (0.1, 0.5, 0.9))
    np.testing.assert_allclose(np.vstack(ours), expected, rtol=1e-12)


def test_days_sharing_a_band_get_the_quantiles_each_would_get_alone() -> None:
    p50 = np.array([100.0, 100.0, 90.0, 100.0, 80.0])
    p10, p90 = p50 * np.array([0.8, 0.8, 0.8, 0.7, 0.8]), p50 * 1.3
    uptime = Uptime(0.8, 0.6, 0.8, 0.9, 90, 60, 8.0, 2.0)
    together = volume_band(p10, p50, p90, uptime)
    alone = [volume_band(p10[i : i + 1], p50[i : i + 1], p90[i : i + 1], uptime) for i in range(len(p50))]
    for q, band in enumerate(together):
        np.testing.assert_array_equal(band, [day[q][0] for day in alone])


def test_an_outage_likely_to_last_puts_the_low_volume_at_its_own_uptime_and_the_high_at_the_usual() -> None:
    rate = (np.full(3, 100.0), np.full(3, 100.0), np.full(3, 100.0))
    concentrated = Uptime(0.6, 0.55, 0.6, 0.65, 90, 90, a=600.0, b=400.0)
    # Day 1: certainly still off; day 2: half likely; day 3: over. Off, the well makes nothing.
    outage = UptimeCurve(np.array([0.0, 0.45, 0.9]), "workover", None, np.array([1.0, 0.5, 0.0]), 0.0, 0.9)
    v10, v50, v90 = volume_band(*rate, concentrated, outage=outage)
    assert v10[0] == v90[0] == 0.0
    assert v10[1] == 0.0 and v90[1] == pytest.approx(90.0, rel=0.02)
    # Once over: around the usual uptime (0.9) before the outage, not the 90-day mean (0.6) it dragged down.
    assert v50[2] == pytest.approx(90.0, rel=0.02)
