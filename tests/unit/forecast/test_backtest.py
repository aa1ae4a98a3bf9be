from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from da_platform.forecast.backtest import (
    EVENTS_SCHEMA,
    METRICS_SCHEMA,
    BacktestConfig,
    backtest_windows,
    origins_for,
    producing_wells,
    summarize,
)
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.series import daily_series

from .synthetic import declining_rates, well_frame

SMALL = BacktestConfig(
    horizons=(30,),
    origins_per_well=3,
    start=date(2015, 1, 1),
    end=date(2016, 12, 31),
    forecast=ForecastConfig(inner_origins=3, inner_spacing=20, candidates=("naive", "mean_7", "arps_exponential")),
)


def test_every_real_producer_gets_at_least_8_origins_in_2014_to_2016_with_a_full_horizon_after(
    volve: pl.DataFrame,
) -> None:
    wells = producing_wells(volve)
    assert "15/9-F-4" not in wells and "15/9-F-5" in wells and len(wells) == 6
    for well in wells:
        series = daily_series(volve.filter(pl.col("well_id") == well), "oil", well)
        origins = origins_for(series, BacktestConfig())
        assert len(origins) >= 8, well
        assert min(origins) >= np.datetime64("2014-01-01") and max(origins) <= np.datetime64("2016-12-31")
        assert all(o + np.timedelta64(90, "D") <= series.dates[-1] for o in origins)


def test_backtest_returns_the_metrics_table_with_naive_never_beating_itself() -> None:
    frame = well_frame(declining_rates(700), start=date(2014, 6, 1))
    table = summarize(backtest_windows(frame, config=SMALL))
    assert dict(table.schema) == METRICS_SCHEMA
    assert set(table["metric"]) == {
        "mase",
        "mase_median",
        "mase_well_mean",
        "mae_volume_sm3d",
        "cum_volume_error_pct",
        "coverage_p10_p90",
    }
    assert {"naive", "selected", "arps_exponential"} <= set(table["model"])
    # scored for comparison though not in the selection pool
    assert {"auto_ets", "productivity"} <= set(table["model"])
    assert table.filter(pl.col("model") == "naive")["beats_naive_share"].unique().to_list() == [0.0]
    assert table["value"].is_finite().all()


def test_a_clean_decline_is_forecast_better_than_naive_in_the_backtest() -> None:
    rates = 800.0 * np.exp(-0.003 * np.arange(700)) * np.exp(np.random.default_rng(2).normal(0, 0.01, 700))
    table = summarize(backtest_windows(well_frame(rates, start=date(2014, 6, 1)), config=SMALL))
    mase = dict(table.filter(pl.col("metric") == "mase").select("model", "value").iter_rows())
    assert mase["arps_exponential"] < mase["naive"]


def test_backtest_windows_before_a_data_change_are_unaffected_by_it() -> None:
    frame = well_frame(declining_rates(700), start=date(2014, 6, 1))
    change = date(2016, 1, 1)
    changed = frame.with_columns(
        oil_sm3=pl.when(pl.col("production_date") >= change).then(pl.col("oil_sm3") * 3).otherwise("oil_sm3")
    )
    a, b = backtest_windows(frame, config=SMALL), backtest_windows(changed, config=SMALL)
    early = pl.col("origin") < date(2015, 12, 1)  # origin + 30 days still before the change
    assert a.filter(early).height > 0
    assert a.filter(early).equals(b.filter(early))


def test_the_judged_2014_to_2016_protocol_applies_to_a_record_that_produced_then(volve: pl.DataFrame) -> None:
    from da_platform.forecast.backtest import PROTOCOL_END, PROTOCOL_START, BacktestConfig, protocol_for

    protocol = protocol_for(volve)
    assert (protocol.start, protocol.end) == (PROTOCOL_START, PROTOCOL_END)
    assert protocol == BacktestConfig()


def test_a_record_that_starts_after_2016_is_backtested_over_its_own_span() -> None:
    from da_platform.forecast.backtest import protocol_for

    frame = well_frame(declining_rates(400), start=date(2021, 3, 1))
    protocol = protocol_for(frame)
    assert (protocol.start, protocol.end) == (date(2021, 3, 1), frame["production_date"].max())
    assert summarize(backtest_windows(frame, "oil", ["W-1"], protocol)).filter(pl.col("model") == "selected").height > 0


def test_hindsight_best_is_the_per_window_floor_of_the_pool_and_reports_rate_error_only() -> None:
    frame = well_frame(declining_rates(700), start=date(2014, 6, 1))
    table = summarize(backtest_windows(frame, config=SMALL))
    mase = {r["model"]: r["value"] for r in table.filter(pl.col("metric") == "mase").iter_rows(named=True)}
    pool = SMALL.forecast.candidates
    assert all(mase["hindsight_best"] <= mase[m] + 1e-12 for m in (*pool, "selected"))
    assert mase["hindsight_best"] < max(mase[m] for m in pool)
    reference = table.filter(pl.col("model") == "hindsight_best")
    assert set(reference["metric"]) == {"mase", "mase_median", "mase_well_mean"}


def test_the_well_weighted_mean_gives_every_well_the_same_weight_however_many_origins_it_has() -> None:
    from da_platform.forecast.backtest import summarize

    # well A: three windows at MASE 1; well B: one window at MASE 3. Window mean 1.5, well mean 2.
    windows = pl.DataFrame(
        {
            "well_id": ["A", "A", "A", "B"],
            "origin": [date(2015, 1, d) for d in (1, 2, 3, 1)],
            "horizon_days": [30] * 4,
            "model": ["selected"] * 4,
            "role": ["policy"] * 4,
            "mase": [1.0, 1.0, 1.0, 3.0],
            "naive_mase": [2.0] * 4,
            "coverage_p10_p90": [0.8] * 4,
            "mae_volume_sm3d": [1.0] * 4,
            "cum_volume_error_pct": [1.0] * 4,
        }
    )
    values = dict(summarize(windows).filter(pl.col("model") == "selected").select("metric", "value").iter_rows())
    assert values["mase"] == 1.5
    assert values["mase_well_mean"] == 2.0


def test_the_statistical_peers_are_scored_on_the_same_windows_and_never_selected() -> None:
    from dataclasses import replace

    from da_platform.forecast.peers import PEERS

    frame = well_frame(declining_rates(700), start=date(2014, 6, 1))
    config = replace(SMALL, origins_per_well=2, peers=PEERS)
    windows = backtest_windows(frame, config=config)
    peers = windows.filter(pl.col("role") == "peer")
    assert set(peers["model"]) == set(PEERS)
    selected = windows.filter(pl.col("model") == "selected")
    assert peers.height == len(PEERS) * selected.height
    assert set(peers["status"]) == {"ok"}
    assert peers["mase"].is_finite().all() and (peers["coverage_p10_p90"] > 0).all()
    assert not set(selected["model_id"]) & set(PEERS)


def test_an_outage_open_at_an_origin_shapes_its_volume_forecast_and_never_the_rate_scores() -> None:
    plain = backtest_windows(well_frame(declining_rates(700), start=date(2014, 6, 1)), config=SMALL)
    origin = sorted(plain["origin"].unique())[0]
    # A 20-day shut-in open at that origin (10 days in); five past 20-day shut-ins on another well say
    # it lasts 10 days more. The logged end is never read in the backtest.
    start = origin - timedelta(days=9)
    off = [(start + timedelta(days=i) - date(2014, 6, 1)).days for i in range(20)]
    hours = np.full(700, 24.0)
    hours[off] = 0.0
    frame = well_frame(declining_rates(700), hours, start=date(2014, 6, 1))
    past = [(date(2014, m, 1), date(2014, m, 20)) for m in range(7, 12)]
    events = pl.DataFrame(
        {
            "well_id": ["W-2"] * 5 + ["W-1"],
            "start": [s for s, _ in past] + [start],
            "end": [e for _, e in past] + [start + timedelta(days=19)],
            "category": ["downtime"] * 6,
        },
        schema=EVENTS_SCHEMA,
    )
    a = backtest_windows(frame, config=SMALL)
    b = backtest_windows(frame, config=SMALL, outage_events=events)
    assert a.drop("mae_volume_sm3d", "cum_volume_error_pct").equals(b.drop("mae_volume_sm3d", "cum_volume_error_pct"))
    at = (pl.col("origin") == origin) & (pl.col("model") == "selected")
    assert b.filter(at)["mae_volume_sm3d"].item() < 0.5 * a.filter(at)["mae_volume_sm3d"].item()
    later = (pl.col("origin") > origin + timedelta(days=30)) & (pl.col("model") == "selected")
    assert a.filter(later).height > 0 and a.filter(later).equals(b.filter(later))
