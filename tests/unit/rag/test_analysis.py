"""Variance decomposition: a change splits exactly into an uptime effect and a rate effect."""

from __future__ import annotations

import pytest

from da_platform.rag.analysis import decompose


def test_the_two_effects_add_up_to_the_change() -> None:
    w = decompose("15/9-F-14", before=123.15, after=60.0, uptime_before=1.0, uptime_after=0.5)
    assert w.uptime_effect + w.rate_effect == pytest.approx(w.change)
    assert w.mechanism == "uptime"


def test_a_change_at_full_uptime_is_all_rate() -> None:
    w = decompose("15/9-F-11", before=810.39, after=833.66, uptime_before=1.0, uptime_after=1.0)
    assert (w.uptime_effect, w.rate_effect) == (0.0, pytest.approx(23.27))
    assert w.mechanism == "rate"


def test_a_well_shut_in_on_one_day_has_only_an_uptime_effect() -> None:
    w = decompose("15/9-F-12", before=245.19, after=0.0, uptime_before=1.0, uptime_after=0.0)
    assert (w.rate_effect, w.uptime_effect, w.mechanism) == (0.0, pytest.approx(-245.19), "uptime")
