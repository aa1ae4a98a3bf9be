"""The global model pooled across wells, on synthetic fleets with known parameters."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from da_platform.forecast.backtest import BacktestConfig, backtest_windows
from da_platform.forecast.pooled import PooledModel, WellState
from da_platform.forecast.series import daily_series
from tests.unit.forecast.synthetic import declining_rates, well_frame

DECLINE = 0.003  # per day, every well of the fleet


def fleet(n_wells: int = 4, days: int = 500, decline: float = DECLINE) -> dict[str, WellState]:
    states = {}
    for k in range(n_wells):
        rows = well_frame(declining_rates(days, seed=k, qi=400.0 + 200.0 * k, di=decline, noise=0.02))
        rows = rows.with_columns(well_id=pl.lit(f"W-{k}"))
        states[f"W-{k}"] = WellState.of(rows, daily_series(rows, "oil", f"W-{k}"))
    return states


def test_the_pooled_median_follows_the_fleets_decline_at_90_days() -> None:
    model = PooledModel(fleet())
    well = model.wells["W-1"]
    origin = well.dates[400]
    p10, p50, p90 = model.forecast("W-1", origin, 90)
    truth = 600.0 * np.exp(-DECLINE * (400 + 90))
    assert p50[-1] == pytest.approx(truth, rel=0.05)
    assert p10[-1] < p50[-1] < p90[-1]


def test_the_model_at_an_origin_learns_nothing_that_happens_after_it() -> None:
    states = fleet()
    changed = {}
    for name, w in states.items():  # from day 300 on every well makes twice as much
        oil = w.oil.copy()
        oil[300:] *= 2.0
        changed[name] = WellState(name, w.dates, oil, w.water, w.gas, w.hours, w.choke, w.downhole_pressure)
    origin = states["W-1"].dates[270]
    before = PooledModel(states).forecast("W-1", origin, 30)[1]
    after_change = PooledModel(changed).forecast("W-1", origin, 30)[1]
    np.testing.assert_allclose(after_change, before)


def test_without_enough_past_pairs_the_pooled_model_declines() -> None:
    model = PooledModel(fleet(n_wells=1, days=80))
    assert model.forecast("W-0", model.wells["W-0"].dates[60], 30) is None
    assert model.forecast("no such well", model.wells["W-0"].dates[60], 30) is None


def test_the_backtest_scores_the_pooled_model_and_its_blend_as_benchmarks() -> None:
    frames = []
    for k in range(3):
        rows = well_frame(declining_rates(900, seed=k, qi=500.0 + 100 * k, di=0.001, noise=0.03))
        frames.append(rows.with_columns(well_id=pl.lit(f"W-{k}")))
    frame = pl.concat(frames)
    config = BacktestConfig(origins_per_well=2, pooled=True, start=frame["production_date"].min())
    windows = backtest_windows(frame, "oil", ["W-0", "W-1", "W-2"], config)
    rows = windows.filter(pl.col("model").is_in(["pooled_gbm", "pooled_blend"]))
    assert rows.height > 0
    assert set(rows["role"].to_list()) == {"benchmark"}
    assert rows["mase"].is_finite().all()
