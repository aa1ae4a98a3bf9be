"""Rolling-origin backtest per well, the protocol of the forecasting issue.

For each producing well, cut-off dates between 2014-01-01 and 2016-12-31 where the well has history
before and a full horizon of data after; at each cut-off every model sees only the data up to it.
Scored per window:

- ``mase``: rate on producing days (>= 6 h, scaled to 24 h), MAE over the window's producing days divided
  by the mean absolute one-step naive error of the training rates;
- ``mae_volume_sm3d``: calendar-day volumes (forecast rate x forecast uptime vs. reported volume);
- ``cum_volume_error_pct``: |forecast - actual| cumulative volume over the window, % of actual;
- ``coverage_p10_p90``: share of producing-day rates inside the P10–P90 band;
- beating naive: the window's MASE is below the naive forecast's MASE on the same window.

``BacktestConfig.peers`` adds the statistical peers of ``peers.py`` (Theta, log-ARIMA, SCUM) as
benchmark-only rows (role "peer"), fitted once per origin at the longest horizon, with their own 80 %
intervals as the band. They cost ~2 s an origin, so the CLI asks for them and the asset job does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl

from da_platform.forecast.covariates import WellCovariates, choke_breaks, event_break_days, on_calendar
from da_platform.forecast.metrics import coverage, mase, naive_scale
from da_platform.forecast.outages import OutageLog
from da_platform.forecast.peers import PeerForecast, peer_forecasts
from da_platform.forecast.pooled import PooledModel, WellState
from da_platform.forecast.select import BENCHMARK_ONLY, ForecastConfig, RateForecast, forecast_rate_candidates
from da_platform.forecast.series import DailySeries, NotAProducerError, daily_series
from da_platform.forecast.uptime import estimate_uptime

HORIZONS = (30, 90)
PROTOCOL_START = date(2014, 1, 1)
PROTOCOL_END = date(2016, 12, 31)
METRICS_SCHEMA = {
    "model": pl.String(),
    "horizon_days": pl.Int64(),
    "metric": pl.String(),
    "value": pl.Float64(),
    "windows": pl.Int64(),
    "beats_naive_share": pl.Float64(),
}


@dataclass(frozen=True)
class BacktestConfig:
    """Protocol settings: origins per well, horizons and the history a cut-off needs."""

    horizons: tuple[int, ...] = HORIZONS
    origins_per_well: int = 10
    start: date = PROTOCOL_START
    end: date = PROTOCOL_END
    min_history_producing_days: int = 30
    forecast: ForecastConfig = ForecastConfig()  # noqa: RUF009 - frozen, safe to share
    scored_only: tuple[str, ...] = BENCHMARK_ONLY  # in the table for comparison, never selected
    peers: tuple[str, ...] = ()  # statistical peers (peers.PEERS) scored beside, never selected
    # The global model pooled across wells (pooled.py), scored beside as "pooled_gbm", and its geometric
    # mean with the selected forecast as "pooled_blend"; benchmark rows, never selected.
    pooled: bool = False


def protocol_for(frame: pl.DataFrame, config: BacktestConfig = BacktestConfig()) -> BacktestConfig:
    """The judged protocol (cut-offs in 2014–2016) when the record produces in that period, as Volve does;
    otherwise cut-offs anywhere in the record, so an operator whose data starts in 2020 is backtested too."""
    produced = frame.filter(pl.col("on_stream_hrs") > 0)["production_date"] if frame.height else pl.Series([])
    if produced.is_empty() or ((produced >= config.start) & (produced <= config.end)).any():
        return config
    return replace(config, start=produced.min(), end=produced.max())  # type: ignore[arg-type]


def origins_for(series: DailySeries, config: BacktestConfig) -> list[np.datetime64]:
    """Evenly spaced cut-offs in the protocol period with enough history before and a full horizon after.

    Cut-offs must leave max(horizons) days of record after them, so 30- and 90-day scores come from the
    same origins. Fewer distinct days than ``origins_per_well`` means fewer origins (a short well).
    """
    if series.n_producing() == 0:
        return []
    prod_dates = series.dates[series.producing]
    need = config.min_history_producing_days
    if len(prod_dates) < need:
        return []
    first = max(np.datetime64(config.start, "D"), prod_dates[need - 1])
    last = min(np.datetime64(config.end, "D"), series.dates[-1] - np.timedelta64(max(config.horizons), "D"))
    if last < first:
        return []
    span = int((last - first).astype(int))
    steps = np.unique(np.round(np.linspace(0, span, config.origins_per_well)).astype(int))
    return [first + np.timedelta64(int(s), "D") for s in steps]


def backtest_series(
    series: DailySeries,
    config: BacktestConfig = BacktestConfig(),
    covariates: WellCovariates | None = None,
    pooled: PooledModel | None = None,
    outages: OutageLog | None = None,
) -> pl.DataFrame:
    """One row per (origin, horizon, model) window with its scores; the unaggregated backtest of one well.
    ``covariates`` (the well's water on the same calendar) feed the ``wor_liquid`` candidate; ``pooled``
    (trained per origin on every well's past) adds the ``pooled_gbm`` and ``pooled_blend`` rows;
    ``outages`` (every well's operator events) let an outage open at an origin shape the volume
    forecast's uptime (its logged end unused: it was written after the origin)."""
    rows: list[dict[str, object]] = []
    day = series.day_index
    # naive is always scored: every window's "beats naive" is measured against it.
    scored = tuple(dict.fromkeys(("naive", *config.scored_only)))
    extra = set(scored) - set(config.forecast.candidates) | {"pooled_gbm", "pooled_blend"}
    for origin in origins_for(series, config):
        train = series.until(origin)
        t_origin = float(day[len(train.dates) - 1])
        prod = train.producing
        t_tr, y_tr = day[: len(train.dates)][prod], train.rate[prod]
        scale = naive_scale(y_tr)
        plain_uptime = estimate_uptime(train, config.forecast.uptime_window_days).mean
        if outages is not None:
            uptime = outages.uptime_curve(train, plain_uptime, max(config.horizons)).uptime
        else:
            uptime = np.full(max(config.horizons), plain_uptime)
        peers = peer_forecasts(y_tr, _producing_steps(series, origin, max(config.horizons)), config.peers)
        for horizon in config.horizons:
            test = series.between(origin + np.timedelta64(1, "D"), origin + np.timedelta64(horizon, "D"))
            t_future = t_origin + np.arange(1, horizon + 1, dtype=float)
            forecasts = forecast_rate_candidates(
                t_tr, y_tr, t_future, t_origin, config.forecast, True, scored, covariates
            )
            n = len(test.dates)
            forecasts.update({name: _on_days(name, pf, test.producing, n) for name, pf in peers.items()})
            if pooled is not None:
                forecasts.update(_pooled_rows(pooled.forecast(series.well_id, origin, horizon), forecasts["selected"]))
            actual_rate = test.rate
            vol_ok = test.observed
            actual_cum = float(test.volume[vol_ok].sum())
            naive_mase = None
            for name, rf in sorted(forecasts.items(), key=lambda kv: kv[0] != "naive"):
                p50 = rf.p50[:n]
                score = mase(actual_rate, p50, scale)
                if name == "naive":
                    naive_mase = score
                up = 0.0 if rf.status == "shut_in" else uptime[:n]
                vol_fc = p50 * up
                cum_fc = float(vol_fc[vol_ok].sum())
                rows.append(
                    {
                        "well_id": series.well_id,
                        "origin": origin.astype(object),
                        "horizon_days": horizon,
                        "model": name,
                        "role": "policy"
                        if name == "selected"
                        else "peer"
                        if name in peers
                        else "benchmark"
                        if name in extra
                        else "pool",
                        "model_id": rf.model,
                        "status": rf.status,
                        "mase": score,
                        "naive_mase": naive_mase,
                        "mae_volume_sm3d": float(np.mean(np.abs(vol_fc[vol_ok] - test.volume[vol_ok])))
                        if vol_ok.any()
                        else float("nan"),
                        "cum_volume_error_pct": abs(cum_fc - actual_cum) / actual_cum * 100.0
                        if actual_cum > 0
                        else float("nan"),
                        "coverage_p10_p90": coverage(actual_rate, rf.p10[:n], rf.p90[:n]),
                        "producing_days": int(np.isfinite(actual_rate).sum()),
                    }
                )
    return pl.DataFrame(rows, schema_overrides={"mase": pl.Float64, "naive_mase": pl.Float64}, strict=False)


def _pooled_rows(band: tuple[np.ndarray, ...] | None, selected: RateForecast) -> dict[str, _PeerRate]:
    """The pooled model's forecast and its geometric mean with the selected one (a fixed rule: nothing
    is chosen after the fact); none when the pooled model has no forecast at this origin."""
    if band is None:
        return {}
    mine = (selected.p10, selected.p50, selected.p90)
    blend = [np.sqrt(np.maximum(a, 0) * np.maximum(b[: len(a)], 0)) for a, b in zip(band, mine, strict=True)]
    return {
        "pooled_gbm": _PeerRate("pooled_gbm", *band, "ok"),
        "pooled_blend": _PeerRate("pooled_blend", *blend, selected.status),
    }


def _producing_steps(series: DailySeries, origin: np.datetime64, horizon: int) -> int:
    """How many producing days follow ``origin`` within ``horizon`` days (at least 1): the peers forecast
    the producing-day series, so their step k is the k-th producing day after the origin."""
    test = series.between(origin + np.timedelta64(1, "D"), origin + np.timedelta64(horizon, "D"))
    return max(int(test.producing.sum()), 1)


@dataclass(frozen=True)
class _PeerRate:
    """A peer's forecast laid out on the calendar days of a window (the RateForecast fields the backtest reads)."""

    model: str
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    status: str


def _on_days(name: str, pf: PeerForecast, producing: np.ndarray, n: int) -> _PeerRate:
    """Spread a peer's producing-step forecast over the window's calendar days: the k-th producing day
    gets step k, and a non-producing day the value of the next producing step (its rate is not scored)."""
    before = np.cumsum(producing[:n]) - producing[:n]  # producing days before each day = its step
    step = np.clip(before, 0, len(pf.p50) - 1).astype(int)
    return _PeerRate(name, pf.p10[step], pf.p50[step], pf.p90[step], pf.status)


EVENTS_SCHEMA = {"well_id": pl.String(), "start": pl.Date(), "end": pl.Date(), "category": pl.String()}


def well_covariates(
    rows: pl.DataFrame, series: DailySeries, events: pl.DataFrame | None = None
) -> WellCovariates | None:
    """The well's oil and water rates on the series' calendar (None when they do not line up, so the
    covariate candidates decline), its downhole and wellhead pressures on that calendar (silver's
    ``avg_downhole_pressure_bar`` and ``avg_whp_bar``, for ``productivity``), its choke changes (from
    ``avg_choke_size_pct`` when present) and the
    restart days of its operator events (``events``: rows of ``EVENTS_SCHEMA``, every well's; the
    raw zone's events files, ``rag.events.events_from_raw``). Each break carries the day it is known, so
    a fit at an origin uses only the breaks known by then."""
    if not {"oil_sm3", "water_sm3"} <= set(rows.columns):
        return None
    oil, water = (daily_series(rows, p, series.well_id) for p in ("oil", "water"))
    for other in (oil, water):
        if len(other.dates) != len(series.dates) or (other.dates != series.dates).any():
            return None
    return WellCovariates(
        oil.rate,
        water.rate,
        _event_days(series, events),
        choke_breaks(rows, series.dates),
        on_calendar(rows, series.dates, "avg_downhole_pressure_bar"),
        on_calendar(rows, series.dates, "avg_whp_bar"),
    )


def _event_days(series: DailySeries, events: pl.DataFrame | None) -> np.ndarray:
    if events is None or events.is_empty() or len(series.dates) == 0:
        return np.zeros(0)
    mine = events.filter(pl.col("well_id") == series.well_id)
    first = series.dates[0]
    start, end = (
        (mine[c].cast(pl.Date).to_numpy().astype("datetime64[D]") - first).astype(int) for c in ("start", "end")
    )
    return event_break_days(start, end, mine["category"].to_list())


def producing_wells(frame: pl.DataFrame) -> list[str]:
    """Wells with production rows whose latest activity is production (injectors are left out)."""
    out = []
    for well in sorted(frame["well_id"].unique().to_list()):
        try:
            daily_series(frame.filter(pl.col("well_id") == well), "oil", well)
        except NotAProducerError:
            continue
        out.append(well)
    return out


def backtest_windows(
    frame: pl.DataFrame,
    product: str = "oil",
    wells: Iterable[str] | None = None,
    config: BacktestConfig = BacktestConfig(),
    events: pl.DataFrame | None = None,
    outage_events: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Window-level backtest of every producing well in ``frame`` (silver-like rows of several wells);
    ``events`` (``EVENTS_SCHEMA``) are the operator events the fits may start after; ``outage_events``
    (the same rows) those whose outages open at an origin shape its volume forecast. The policy uses the
    second only: as breaks, the raw zone's events added nothing on Volve (see ``ForecastConfig``)."""
    parts = []
    outages = OutageLog(outage_events) if outage_events is not None and not outage_events.is_empty() else None
    wells = list(wells if wells is not None else producing_wells(frame))
    pooled = _pooled_model(frame, product, wells) if config.pooled else None
    for well in wells:
        rows = frame.filter(pl.col("well_id") == well)
        series = daily_series(rows, product, well)
        wanted = {"wor_liquid", "gor_gas", "productivity"} & {*config.forecast.candidates, *config.scored_only}
        covariates = well_covariates(rows, series, events) if wanted or config.forecast.fit_after_breaks else None
        part = backtest_series(series, config, covariates, pooled, outages)
        if part.height:
            parts.append(part)
    return pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()


def summarize(windows: pl.DataFrame) -> pl.DataFrame:
    """The metrics table: rows of (model, horizon_days, metric, value, windows, beats_naive_share).

    ``mase`` is the mean of per-window MASE (windows with at least one producing day), ``mase_median``
    its median, ``mase_well_mean`` the mean over wells of each well's mean (every well weighs the same,
    however many scored windows it has); ``beats_naive_share`` is the share of those windows where the
    model's MASE is below naive's. Volume metrics average over windows with reported days.

    ``hindsight_best`` is a reference, not a model: in every window, the pool candidate that turned out
    best there (known only after the fact). Its MASE is the most any selection among the candidates
    could reach; the gap to ``selected`` is what selection loses, the gap to a target beyond it needs
    better candidates.
    """
    if windows.is_empty():
        return pl.DataFrame(schema=METRICS_SCHEMA)
    windows = pl.concat([windows, _hindsight_best(windows)], how="diagonal_relaxed")
    scored = windows.with_columns(beats=(pl.col("mase") < pl.col("naive_mase")).cast(pl.Float64))
    rate_ok = pl.col("mase").is_not_nan() & pl.col("mase").is_not_null()
    out = []
    for (model, horizon), g in scored.group_by(["model", "horizon_days"], maintain_order=True):
        rate = g.filter(rate_ok)
        beats = float(rate["beats"].mean()) if rate.height else float("nan")
        values = {
            "mase": (rate["mase"].mean(), rate.height),
            "mase_median": (rate["mase"].median(), rate.height),
            "mase_well_mean": (rate.group_by("well_id").agg(pl.col("mase").mean())["mase"].mean(), rate.height),
            "coverage_p10_p90": _nanmean(rate["coverage_p10_p90"]),
            "mae_volume_sm3d": _nanmean(g["mae_volume_sm3d"]),
            "cum_volume_error_pct": _nanmean(g["cum_volume_error_pct"]),
        }
        if model == "hindsight_best":  # a per-window pick by rate error: its other scores mean nothing
            values = {k: values[k] for k in ("mase", "mase_median", "mase_well_mean")}
        for metric, (value, n) in values.items():
            out.append(
                {
                    "model": model,
                    "horizon_days": horizon,
                    "metric": metric,
                    "value": float(value) if value is not None else float("nan"),
                    "windows": int(n),
                    "beats_naive_share": beats,
                }
            )
    return pl.DataFrame(out, schema=METRICS_SCHEMA).sort(["horizon_days", "metric", "model"])


def _hindsight_best(windows: pl.DataFrame) -> pl.DataFrame:
    """Per window, the rate scores of the pool candidate with the lowest MASE there (rate metrics only)."""
    if "role" not in windows.columns:
        return pl.DataFrame()
    pool = windows.filter((pl.col("role") == "pool") & pl.col("mase").is_not_nan() & pl.col("mase").is_not_null())
    best = pool.sort("mase").group_by(["well_id", "origin", "horizon_days"], maintain_order=True).first()
    return best.select("well_id", "origin", "horizon_days", "mase", "naive_mase").with_columns(
        model=pl.lit("hindsight_best"), role=pl.lit("reference")
    )


def _nanmean(col: pl.Series) -> tuple[float, int]:
    vals = col.drop_nulls().drop_nans()
    return (float(vals.mean()) if vals.len() else float("nan"), vals.len())


def _pooled_model(frame: pl.DataFrame, product: str, wells: list[str]) -> PooledModel | None:
    """The pooled model over ``wells`` (oil only: its features are the oil rate's state)."""
    if product != "oil":
        return None
    states = {}
    for well in wells:
        rows = frame.filter(pl.col("well_id") == well)
        states[well] = WellState.of(rows, daily_series(rows, product, well))
    return PooledModel(states)
