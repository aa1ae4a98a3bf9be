from __future__ import annotations

import numpy as np
import pytest

from da_platform.forecast import baselines


def test_naive_repeats_the_last_value() -> None:
    assert baselines.naive(np.array([5.0, 7.0, 9.0]), 3).tolist() == [9.0, 9.0, 9.0]


def test_mean_and_median_of_last_k_ignore_older_values() -> None:
    y = np.array([1000.0, 10.0, 10.0, 1.0, 10.0])
    assert baselines.mean_last(y, 2, k=4)[0] == pytest.approx(7.75)
    assert baselines.median_last(y, 2, k=4)[0] == pytest.approx(10.0)


def test_drift_follows_a_linear_decline_and_never_goes_negative() -> None:
    t = np.arange(100.0)
    y = 200.0 - t
    fc = baselines.drift(y, t, np.array([100.0, 110.0, 1000.0]), window=90)
    assert fc[:2] == pytest.approx([100.0, 90.0])  # exactly on the line
    assert fc[2] == 0.0


def test_ses_converges_to_a_new_level_after_a_step() -> None:
    y = np.concatenate([np.full(100, 10.0), np.full(100, 20.0)])
    assert baselines.ses(y, 1)[0] == pytest.approx(20.0, abs=0.01)


def test_baselines_on_empty_history_return_zeros_not_errors() -> None:
    assert baselines.naive(np.array([]), 2).tolist() == [0.0, 0.0]
    assert baselines.ses(np.array([]), 2).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("k", [1, 2, 6, 7, 30])
def test_recent_median_is_numpys_median_of_the_last_k_values(k: int) -> None:
    y = np.random.default_rng(k).lognormal(4.0, 0.5, 40)
    assert baselines.recent_median(y, k) == np.median(y[-k:])
