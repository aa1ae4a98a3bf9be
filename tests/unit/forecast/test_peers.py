"""The statistical peers: finite bands on a real-looking decline, and a defined outcome on too little data."""

from __future__ import annotations

import numpy as np

from da_platform.forecast.peers import PEERS, peer_forecasts

from .synthetic import declining_rates


def test_peers_give_ordered_non_negative_bands_that_follow_a_decline() -> None:
    y = declining_rates(400, di=0.003, noise=0.02)
    out = peer_forecasts(y, 30)
    assert set(out) == set(PEERS)
    for name, pf in out.items():
        assert pf.status == "ok", (name, pf.reason)
        assert np.all(pf.p10 <= pf.p50) and np.all(pf.p50 <= pf.p90) and np.all(pf.p10 >= 0), name
        # the level at the origin is ~800 e^(-1.2) = 241: every peer starts near it, not at the series mean
        assert abs(pf.p50[0] - 800 * np.exp(-0.003 * 400)) < 40, name


def test_a_series_too_short_for_the_peers_gives_a_flat_forecast_with_a_reason() -> None:
    out = peer_forecasts(np.array([5.0, 6.0, np.nan, 7.0]), 10)
    for pf in out.values():
        assert pf.status == "failed" and "at least" in pf.reason
        assert np.all(pf.p50 == 7.0) and np.all(np.isfinite(pf.p10))
