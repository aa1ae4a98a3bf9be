from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from da_platform.forecast import forecast
from da_platform.forecast.select import ForecastConfig, forecast_rate, forecast_rate_candidates

from .synthetic import declining_rates, well_frame

FAST = ForecastConfig(inner_origins=4, inner_spacing=20)


def test_forecast_returns_one_point_per_day_after_the_last_row_with_a_model_id() -> None:
    frame = well_frame(declining_rates(300))
    result = forecast(frame, 45, config=FAST)
    assert result.points.columns == ["date", "p10", "p50", "p90", "uptime", "volume_p10", "volume_p50", "volume_p90"]
    assert result.points["date"].to_list() == [date(2015, 10, 28) + timedelta(days=i) for i in range(45)]
    assert result.model and result.status == "ok"
    p = result.points
    assert (p["p10"] <= p["p50"]).all() and (p["p50"] <= p["p90"]).all()


def test_a_clean_decline_is_forecast_by_a_decline_model_not_a_flat_line() -> None:
    rates = 800.0 * np.exp(-0.004 * np.arange(400)) * np.exp(np.random.default_rng(3).normal(0, 0.005, 400))
    result = forecast(well_frame(rates), 90, config=FAST)
    assert "arps" in result.model or "drift" in result.model
    truth = 800.0 * np.exp(-0.004 * np.arange(400, 490))
    assert np.mean(np.abs(result.points["p50"].to_numpy() / truth - 1)) < 0.03


def test_forecast_does_not_look_past_its_origin() -> None:
    frame = well_frame(declining_rates(300))
    cutoff = date(2015, 9, 1)
    # Same history up to the origin, wildly different afterwards: the forecast made at the origin is identical.
    changed = frame.with_columns(
        oil_sm3=pl.when(pl.col("production_date") > cutoff).then(pl.col("oil_sm3") * 10).otherwise("oil_sm3")
    )
    a = forecast(frame.filter(pl.col("production_date") <= cutoff), 30, config=FAST)
    b = forecast(changed.filter(pl.col("production_date") <= cutoff), 30, config=FAST)
    assert a.model == b.model
    assert a.points.equals(b.points)


def test_selection_prefers_the_candidate_with_the_lowest_inner_mase() -> None:
    rng = np.random.default_rng(5)
    y = 500.0 + rng.normal(0, 20.0, 300)  # flat noisy level: averaging beats copying the last day
    out = forecast_rate_candidates(np.arange(300.0), y, 299.0 + np.arange(1, 31), 299.0, FAST, True)
    scores = out["selected"].inner_scores
    chosen = min(scores, key=lambda n: scores[n])
    assert chosen in out and out[chosen].p50[0] == out["selected"].p50[0]
    assert scores["mean_7"] > scores["mean_30"]


def test_gas_and_water_are_forecast_from_their_own_columns() -> None:
    frame = well_frame(declining_rates(200))
    gas = forecast(frame, 10, "gas", config=FAST)
    oil = forecast(frame, 10, "oil", config=FAST)
    assert gas.points["p50"][0] > 50 * oil.points["p50"][0]
    assert forecast(frame, 10, "water", config=FAST).points.select(pl.col("p90").max()).item() == 0.0


def test_a_scored_only_model_is_forecast_and_scored_but_never_selected() -> None:
    rng = np.random.default_rng(5)
    y = 500.0 + rng.normal(0, 20.0, 300)
    config = ForecastConfig(inner_origins=4, inner_spacing=20, candidates=("naive", "mean_7"))
    # mean_30 beats both pool members on a flat noisy level, yet it is only there to be compared.
    out = forecast_rate_candidates(np.arange(300.0), y, 299.0 + np.arange(1, 31), 299.0, config, True, ("mean_30",))
    scores = out["selected"].inner_scores
    assert scores["mean_30"] < min(scores["naive"], scores["mean_7"])
    assert "mean_30" in out and out["mean_30"].model == "mean_30"
    assert not out["selected"].model.startswith("mean_30") and "mean_30" not in out["selected"].model


def test_a_model_asked_for_also_gets_its_point_forecast_without_being_scored_or_selected() -> None:
    rng = np.random.default_rng(5)
    y = 500.0 + rng.normal(0, 20.0, 300)
    t, t_future = np.arange(300.0), 299.0 + np.arange(1, 31)
    config = ForecastConfig(inner_origins=4, inner_spacing=20, candidates=("naive", "mean_7"))
    plain = forecast_rate_candidates(t, y, t_future, 299.0, config)
    out = forecast_rate_candidates(t, y, t_future, 299.0, config, also=("mean_30",))
    assert "mean_30" not in out["selected"].inner_scores
    np.testing.assert_allclose(out["mean_30"].p50, np.mean(y[-30:]))
    assert out["selected"].model == plain["selected"].model and "mean_30" not in plain
    for band in ("p10", "p50", "p90"):
        np.testing.assert_array_equal(getattr(out["selected"], band), getattr(plain["selected"], band))


def test_the_band_pools_the_inner_errors_of_the_whole_candidate_pool() -> None:
    rng = np.random.default_rng(5)
    y = 500.0 + rng.normal(0, 20.0, 300)  # mean_30 wins; naive's errors are larger and widen the pooled band
    t, t_future = np.arange(300.0), 299.0 + np.arange(1, 31)
    pool = ForecastConfig(inner_origins=6, inner_spacing=10, candidates=("naive", "mean_30"), ensemble_size=1)
    own = replace(pool, band_from="selected")
    pooled, alone = forecast_rate(t, y, t_future, 299.0, pool), forecast_rate(t, y, t_future, 299.0, own)
    assert pooled.model == alone.model == "mean_30"
    np.testing.assert_array_equal(pooled.p50, alone.p50)
    assert np.all(pooled.p90 - pooled.p10 >= alone.p90 - alone.p10)
    assert np.any(pooled.p90 - pooled.p10 > alone.p90 - alone.p10)
