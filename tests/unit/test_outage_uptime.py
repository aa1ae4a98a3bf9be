"""Uptime informed by open operator events (``forecast.outages``), on logs with known outage lengths."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from da_platform.forecast.outages import OpenOutage, OutageLog, still_off_probability
from da_platform.forecast.series import DailySeries

ORIGIN = np.datetime64("2015-06-30")


def _events(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "well_id": [r[0] for r in rows],
            "start": [date.fromisoformat(r[1]) for r in rows],
            "end": [date.fromisoformat(r[2]) for r in rows],
            "category": [r[3] for r in rows],
        }
    )


def _past_downtimes(lengths: list[int], well: str = "W-2") -> list[tuple[str, str, str, str]]:
    """Completed downtimes of the given lengths (days), one per month of 2014, on another well."""
    rows = []
    for i, n in enumerate(lengths):
        start = date(2014, 1 + i, 1)
        rows.append((well, start.isoformat(), (start + timedelta(days=n - 1)).isoformat(), "downtime"))
    return rows


def _series(last: str, hours: np.ndarray) -> DailySeries:
    dates = np.datetime64(last) - np.arange(len(hours))[::-1]
    rate = np.where(hours > 0, 100.0, np.nan)
    return DailySeries("W-1", "oil", dates, np.ones(len(hours), bool), hours, rate * hours / 24, rate, None)


def test_still_off_follows_the_survival_of_past_lengths_given_the_days_already_lasted() -> None:
    outage = OpenOutage("downtime", ORIGIN, elapsed_days=2)
    # Past lengths 1, 3, 3, 5, 10: of those that lasted 2 days (3, 3, 5, 10), 4 last a 3rd day, 2 a 4th..5th
    p = still_off_probability(outage, np.array([1, 3, 3, 5, 10]), 10)
    assert p is not None
    np.testing.assert_allclose(p[:4], [4 / 4, 2 / 4, 2 / 4, 1 / 4])
    assert p[8] == pytest.approx(0.0)  # day 11 of the outage: no past outage lasted 11 days


def test_a_planned_end_keeps_the_well_off_exactly_until_that_day() -> None:
    p = still_off_probability(OpenOutage("workover", ORIGIN, 5, planned_remaining_days=3), np.array([]), 6)
    np.testing.assert_array_equal(p, [1, 1, 1, 0, 0, 0])


def test_too_few_past_outages_decline_to_tell_the_length() -> None:
    assert still_off_probability(OpenOutage("downtime", ORIGIN, 1), np.array([2, 3, 4]), 30) is None


def test_an_outage_longer_than_every_past_one_ends_at_the_past_mean_rate() -> None:
    p = still_off_probability(OpenOutage("downtime", ORIGIN, 40), np.array([2, 4, 6, 8, 10]), 3)
    np.testing.assert_allclose(p, np.exp(-np.arange(1, 4) / 6.0))


def test_an_event_is_open_only_when_started_by_the_origin_and_not_ended_before_it() -> None:
    log = OutageLog(
        _events(
            [
                ("W-1", "2015-06-01", "2015-06-10", "downtime"),  # ended before
                ("W-1", "2015-06-28", "2015-07-05", "downtime"),  # open, 3rd day at the origin
                ("W-1", "2015-07-02", "2015-07-03", "downtime"),  # starts after
                ("W-1", "2015-06-30", "2015-06-30", "well_test"),  # not an outage
            ]
        )
    )
    outage = log.open_at("W-1", ORIGIN)
    assert outage is not None and outage.elapsed_days == 3 and outage.planned_remaining_days is None
    assert log.open_at("W-1", ORIGIN, planned_ends=True).planned_remaining_days == 5
    assert log.open_at("W-2", ORIGIN) is None
    assert log.open_at("W-1", np.datetime64("2015-06-20")) is None


def test_durations_known_at_the_origin_leave_out_outages_not_yet_ended() -> None:
    log = OutageLog(_events([*_past_downtimes([2, 7]), ("W-3", "2015-06-25", "2015-07-20", "downtime")]))
    np.testing.assert_array_equal(log.durations_before(ORIGIN, "downtime"), [2.0, 7.0])
    assert log.durations_before(ORIGIN, "workover").size == 0


def test_uptime_curve_rises_from_zero_to_the_usual_uptime_outside_the_outage() -> None:
    # 100 days at 18 h, then 5 days off: the plain estimate is dragged down, the curve returns to 0.75
    hours = np.r_[np.full(100, 18.0), np.zeros(5)]
    series = _series("2015-06-30", hours)
    log = OutageLog(_events([*_past_downtimes([6, 6, 8, 8, 10]), ("W-1", "2015-06-26", "2015-07-09", "downtime")]))
    curve = log.uptime_curve(series, base_uptime=0.7, horizon_days=10)
    assert curve.outage is not None and curve.outage.elapsed_days == 5
    # still off on day 6 of 5 past outages all >= 6: certain; lengths 6,6 end, then 8,8, then 10
    np.testing.assert_allclose(curve.uptime[:6], 0.75 * (1 - np.array([1, 3 / 5, 3 / 5, 1 / 5, 1 / 5, 0])))
    assert curve.uptime[-1] == pytest.approx(0.75)
    assert "past outage lengths" in curve.reason


def test_uptime_curve_is_the_plain_estimate_without_an_open_outage() -> None:
    series = _series("2015-06-30", np.full(50, 24.0))
    log = OutageLog(_events(_past_downtimes([3, 3, 3, 3, 3])))
    curve = log.uptime_curve(series, base_uptime=0.9, horizon_days=4)
    np.testing.assert_array_equal(curve.uptime, [0.9] * 4)
    assert curve.outage is None and curve.reason == "no outage open at the origin"


def test_uptime_curve_with_too_few_past_outages_says_why_it_kept_the_plain_estimate() -> None:
    series = _series("2015-06-30", np.r_[np.full(20, 24.0), np.zeros(2)])
    log = OutageLog(_events([("W-1", "2015-06-29", "2015-07-09", "downtime")]))
    curve = log.uptime_curve(series, base_uptime=0.8, horizon_days=3)
    np.testing.assert_array_equal(curve.uptime, [0.8] * 3)
    assert "too few past outages" in curve.reason


def test_while_a_downtime_lasts_the_well_keeps_the_hours_it_has_run_since_it_began() -> None:
    # A downtime that only cuts hours (12 of 24 since it began): still on, the well runs half days
    hours = np.r_[np.full(60, 24.0), np.full(3, 12.0)]
    series = _series("2015-06-30", hours)
    log = OutageLog(_events([*_past_downtimes([10, 10, 10, 10, 10]), ("W-1", "2015-06-28", "2015-07-20", "downtime")]))
    curve = log.uptime_curve(series, base_uptime=0.9, horizon_days=10)
    np.testing.assert_allclose(curve.uptime[:7], 0.5)  # every past downtime lasted 10 days: days 4..10
    np.testing.assert_allclose(curve.uptime[7:], 1.0)
