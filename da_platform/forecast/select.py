"""Candidate models, per-well selection by rolling-origin error on the training history, and ``forecast``.

Everything here looks only at data up to the forecast origin: the candidates are scored on inner
origins whose whole evaluation window ends before it, and the same inner errors give the P10/P90 band.
That makes ``forecast`` safe to call inside the backtest (the outer loop) without peeking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from da_platform.forecast import baselines, statistical
from da_platform.forecast.changepoint import last_change_index
from da_platform.forecast.covariates import CandidateDeclined, WellCovariates, break_covariates
from da_platform.forecast.decline import ArpsFit, DeclineModel, fit_arps, fit_arps_many, noise_scale
from da_platform.forecast.intervals import LogErrorQuantiles, apply_band, empirical_quantiles, fallback_quantiles
from da_platform.forecast.metrics import naive_scale, window_mase
from da_platform.forecast.outages import OutageLog
from da_platform.forecast.productivity import productivity_candidate
from da_platform.forecast.series import DailySeries, daily_series
from da_platform.forecast.uptime import Uptime, estimate_uptime, volume_band

# (t_train, y_train, t_future) -> point forecast at t_future. t is the calendar time axis (days or months).
Forecaster = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


# The decline fit each decline candidate uses: plain, anchored and modified hyperbolic share one fit.
DECLINE_FITS: dict[str, DeclineModel] = {
    "arps_exponential": "exponential",
    "arps_hyperbolic": "hyperbolic",
    "arps_harmonic": "harmonic",
    "arps_modified_hyperbolic": "hyperbolic",
    "arps_hyperbolic_anchored": "hyperbolic",
}
MIN_FIT_POINTS = 10  # a fit window with fewer producing points falls back to the median of recent days


class DeclineFits:
    """The decline fits of one series, keyed by their training data: every decline candidate of a training
    set shares one fit window (one change search), and ``prefit`` fits the windows of all of a forecast's
    origins together (``fit_arps_many``), which costs a fraction of fitting them one at a time."""

    def __init__(
        self, window: float = 365.0, after_change: bool = True, breaks: Callable[[float], float | None] | None = None
    ) -> None:
        """``breaks(origin)`` gives the latest known regime break (an operator event, a choke change) at
        an origin, or None: the fit window then starts at it, and the change search runs on what follows."""
        self.window = window
        self.after_change = after_change
        self.breaks = breaks
        self._windows: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self._fits: dict[tuple[bytes, DeclineModel], ArpsFit] = {}

    @staticmethod
    def _key(t: np.ndarray, y: np.ndarray) -> bytes:
        return len(t).to_bytes(8, "little") + t.tobytes() + y.tobytes()

    def fit_window(self, t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The last ``window`` time units of (t, y), from the latest change of regime on when
        ``after_change`` (a curve fitted across a choke change or a workover fits neither side)."""
        key = self._key(t, y)
        cached = self._windows.get(key)
        if cached is None:
            first = int(np.searchsorted(t, t[-1] - self.window))
            known = self.breaks(float(t[-1])) if self.breaks is not None else None
            if known is not None:
                first = max(first, int(np.searchsorted(t, known)))
            if self.after_change:
                first += last_change_index(t[first:], y[first:])
            cached = self._windows[key] = (t[first:], y[first:])
        return cached

    def prefit(self, training: list[tuple[np.ndarray, np.ndarray]], models: set[DeclineModel]) -> None:
        """Fit ``models`` on the fit window of every training set, all in one batch."""
        windows, wanted, keys = [], [], []
        for t, y in training:
            tw, yw = self.fit_window(t, y)
            if len(tw) < MIN_FIT_POINTS:
                continue
            key = self._key(tw, yw)
            for model in sorted(models):
                if (key, model) not in self._fits:
                    windows.append((tw, yw))
                    wanted.append(model)
                    keys.append((key, model))
        if not windows:
            return
        try:
            self._fits.update(zip(keys, fit_arps_many(windows, wanted), strict=True))
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            return  # each candidate then fits on its own, and one that fails falls back (safe_predict)

    def fit(self, tw: np.ndarray, yw: np.ndarray, model: DeclineModel) -> ArpsFit:
        """The fit of ``model`` on a fit window (from ``prefit``, or fitted now)."""
        key = (self._key(tw, yw), model)
        if key not in self._fits:
            self._fits[key] = fit_arps(tw, yw, model)
        return self._fits[key]


def _decline(name: str, anchored: bool, fits: DeclineFits) -> Forecaster:
    """A decline-curve forecaster fitted on the fit window of its training data (``DeclineFits``).

    Anchored: keep the fitted decline shape but rescale it to the recent median level, because on real
    wells the level shifts (chokes, workovers) much more often than the decline shape changes.
    Modified hyperbolic: the hyperbolic fit, extrapolated with the terminal exponential decline once the
    hyperbolic's own decline falls to it, as decline analysts use it; the terminal rate is a limit on
    the forecast, not something a year of daily data can estimate, so it gets no fit of its own.
    """

    def run(t: np.ndarray, y: np.ndarray, t_future: np.ndarray) -> np.ndarray:
        tw, yw = fits.fit_window(t, y)
        if len(tw) < MIN_FIT_POINTS:
            return baselines.median_last(y, len(t_future))
        fit = fits.fit(tw, yw, DECLINE_FITS[name])
        if name == "arps_modified_hyperbolic":
            fit = replace(fit, model="modified_hyperbolic")
        out = fit.rate(t_future)
        if anchored:
            fitted_recent = baselines.recent_median(fit.rate(t[-7:]))
            if fitted_recent > 0:
                out = out * baselines.recent_median(y) / fitted_recent
        return out

    return run


def _declined_without_covariates(t: np.ndarray, y: np.ndarray, t_future: np.ndarray) -> np.ndarray:
    raise CandidateDeclined("no covariates (water, oil, pressure) for this series")


def candidate_forecasters(
    fits: DeclineFits | None = None, covariates: WellCovariates | None = None
) -> dict[str, Forecaster]:
    """The named candidates. ``fits`` holds the fit window (in the series' time unit: days for daily
    data; also the statistical models' window) and whether decline curves are fitted from the latest change
    of regime on; one ``DeclineFits`` per series lets ``prefit`` fit the decline curves of several origins
    at once. ``covariates`` (the well's oil, water, pressures, events) enable ``wor_liquid`` and
    ``productivity`` (oil) and ``gor_gas`` (gas); without them they decline, and ``safe_predict`` scores
    a declined candidate as the recent median."""
    fits = DeclineFits() if fits is None else fits
    fit_window, recent = fits.window, fits.window / 4.0
    return {
        "naive": lambda t, y, tf: baselines.naive(y, len(tf)),
        "mean_7": lambda t, y, tf: baselines.mean_last(y, len(tf), 7),
        "median_7": lambda t, y, tf: baselines.median_last(y, len(tf), 7),
        "mean_30": lambda t, y, tf: baselines.mean_last(y, len(tf), 30),
        "drift": lambda t, y, tf: baselines.drift(y, t, tf, recent),
        "ses": lambda t, y, tf: baselines.ses(y, len(tf)),
        **{name: _decline(name, name == "arps_hyperbolic_anchored", fits) for name in DECLINE_FITS},
        "auto_ets": lambda t, y, tf: statistical.auto_ets(y, len(tf), int(fit_window)),
        "auto_theta": lambda t, y, tf: statistical.auto_theta(y, len(tf), int(fit_window)),
        "wor_liquid": covariates.wor_liquid if covariates is not None else _declined_without_covariates,
        "gor_gas": covariates.gor_gas if covariates is not None else _declined_without_covariates,
        "productivity": _productivity(covariates),
    }


def _productivity(covariates: WellCovariates | None) -> Forecaster:
    """``productivity.productivity_candidate`` bound to the well's pressures (declines without them)."""
    if covariates is None:
        return _declined_without_covariates
    return lambda t, y, tf: productivity_candidate(covariates, t, y, tf)


# The per-well selection pool. Not in it, though scored by the backtest (``BENCHMARK_ONLY``):
# - naive, the yardstick: a policy that picks it can at best tie with it, and on Volve's protocol it was
#   picked in 8 of 59 windows; without it the chosen method's MASE is 1.049 / 1.958 (30 / 90 d) against
#   1.091 / 1.960 with it;
# - AutoETS: taking it out moved that MASE from 1.092 to 1.095 (30 d) and 1.984 to 1.959 (90 d), while its
#   fits were 55 % of a well's forecast time (benchmarks/forecast_speed.py).
# - productivity (oil per bar of drawdown, ``forecast/productivity.py``): alone it beats naive on Volve
#   (MASE 1.21 / 2.06 against 1.32 / 2.19, 30 / 90 d), but in the pool it moved the chosen method from
#   1.027 / 1.871 to 1.031 / 1.884, so it is scored, not selected.
# AutoTheta (~120 ms a fit) changed no selection that mattered and is only available on request.
DEFAULT_CANDIDATES = (
    "mean_7",
    "median_7",
    "mean_30",
    "drift",
    "ses",
    "arps_exponential",
    "arps_hyperbolic",
    "arps_harmonic",
    "arps_modified_hyperbolic",
    "arps_hyperbolic_anchored",
)
# Scored next to the pool by the backtest, so the metrics table keeps showing how they compare.
BENCHMARK_ONLY = ("naive", "auto_ets", "productivity")
# Used when there are not enough inner origins to choose: robust to a single partial day, no trend risk.
FALLBACK_MODEL = "median_7"


@dataclass(frozen=True)
class ForecastConfig:
    """Knobs of the forecast. Times are in the series' unit (days for daily data)."""

    min_producing_points: int = 60  # fewer: fall back to FALLBACK_MODEL without selection
    min_fallback_points: int = 3  # fewer: explicit insufficient history
    shut_in_days: int = 30  # no producing day in this many most recent days: zero forecast
    fit_window: float = 365.0
    inner_origins: int = 8
    inner_spacing: float = 14.0
    min_train_points: int = 30  # an inner origin needs this many producing points before it
    uptime_window_days: int = 90
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    ensemble_size: int = 3  # the "ensemble" candidate averages this many best inner candidates
    # "pool": the P10/P90 band comes from the inner errors of every candidate in the pool, not only the
    # chosen one's: the chosen model is the one whose inner errors happened to be smallest, so its own
    # errors understate what comes next (on Volve, 90-day coverage 0.67 from its own errors, 0.74 pooled).
    band_from: Literal["selected", "pool"] = "pool"
    # Decline curves start at the latest change of regime in the fit window (changepoint.py). On Volve
    # the chosen method's MASE went from 1.049 / 1.958 to 1.015 / 1.911 (30 / 90 d), and the same with
    # the change penalty halved or doubled.
    fit_after_change: bool = True
    # Decline fits also start after the latest known break before the origin: a choke change (read from
    # the well's silver rows) or an operator event when the caller passes events. On Volve, choke breaks
    # moved the chosen method's MASE from 1.019 / 1.908 to 1.027 / 1.871 (30 / 90 d) and its share of
    # windows better than naive from 47 % / 52 % to 53 % / 55 %; the raw zone's events added nothing
    # more (1.035 / 1.872), so the forecast asset reads no events.
    fit_after_breaks: bool = True


def decline_fits(config: ForecastConfig, covariates: WellCovariates | None = None) -> DeclineFits:
    """The decline fits of one series under ``config``, with the covariates' known breaks when asked."""
    use_breaks = config.fit_after_breaks and covariates is not None
    return DeclineFits(config.fit_window, config.fit_after_change, covariates.last_break if use_breaks else None)


def safe_predict(fn: Forecaster, t: np.ndarray, y: np.ndarray, t_future: np.ndarray) -> np.ndarray:
    """Run a forecaster and guarantee a finite, non-negative result (median of recent days if it fails)."""
    try:
        out = np.asarray(fn(t, y, t_future), float)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        out = baselines.median_last(y, len(t_future))
    if out.shape != (len(t_future),) or not np.all(np.isfinite(out)):
        fallback = baselines.median_last(y, len(t_future))
        out = np.where(np.isfinite(out), out, fallback) if out.shape == fallback.shape else fallback
    return out.clip(min=0.0)


@dataclass
class InnerEvaluation:
    """Candidate errors on inner origins: window MASE per origin, and log1p errors at their leads (the
    errors of all origins end to end; ``leads`` is the same for every model)."""

    scores: dict[str, np.ndarray] = field(default_factory=dict)
    log_errors: dict[str, np.ndarray] = field(default_factory=dict)
    leads: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_origins: int = 0

    def mean_score(self, name: str) -> float:
        vals = self.scores.get(name, np.zeros(0))
        vals = vals[np.isfinite(vals)]
        return float(np.mean(vals)) if len(vals) else float("inf")

    def quantiles(self, name: str, horizon: int, noise: float, pooled: tuple[str, ...] = ()) -> LogErrorQuantiles:
        """Lead-wise quantiles of ``name``'s inner log errors, together with those of ``pooled`` models."""
        names = [n for n in dict.fromkeys((name, *pooled)) if len(self.log_errors.get(n, ()))]
        if not names:
            return fallback_quantiles(horizon, noise)
        return empirical_quantiles(
            np.tile(self.leads, len(names)),
            np.concatenate([self.log_errors[n] for n in names]),
            horizon,
            noise,
        )


@dataclass(frozen=True)
class _Actuals:
    """The producing-day rates inside every inner origin's window, end to end, with what scoring needs."""

    y: np.ndarray
    log1p_y: np.ndarray
    starts: np.ndarray  # where each origin's window begins in ``y``
    counts: np.ndarray  # its number of points
    scales: np.ndarray  # its MASE denominator (naive_scale of its training data)

    @classmethod
    def of(cls, windows: list[np.ndarray], scales: list[float]) -> _Actuals:
        counts = np.array([len(w) for w in windows], dtype=int)
        y = np.concatenate(windows) if windows else np.zeros(0)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int) if windows else np.zeros(0, int)
        return cls(y, np.log1p(y), starts, counts, np.asarray(scales, float))

    def window_mase(self, pred: np.ndarray) -> np.ndarray:
        """MASE of each origin's window for forecasts end to end like ``y`` (NaN for an empty window)."""
        return window_mase(self.y, pred, self.starts, self.counts, self.scales)


def inner_origins(t: np.ndarray, horizon: float, config: ForecastConfig) -> list[float]:
    """Origins inside the training data whose whole window (origin, origin + horizon] is also inside it."""
    if len(t) == 0:
        return []
    out = []
    for j in range(config.inner_origins):
        origin = t[-1] - horizon - j * config.inner_spacing
        if np.searchsorted(t, origin, side="right") >= config.min_train_points:
            out.append(float(origin))
    return out


def evaluate_inner(
    t: np.ndarray,
    y: np.ndarray,
    horizon: int,
    names: tuple[str, ...],
    config: ForecastConfig,
    extra: tuple[str, ...] = (),
    fits: DeclineFits | None = None,
    covariates: WellCovariates | None = None,
) -> InnerEvaluation:
    """Score every candidate, and the ``extra`` models, on the inner origins (training data only); the
    ensemble is built from the best ``names`` only. The decline curves of all origins are fitted in one
    batch, together with the final fit on all of (t, y) that the forecast itself will need."""
    fits = decline_fits(config, covariates) if fits is None else fits
    forecasters = candidate_forecasters(fits, covariates)
    ev = InnerEvaluation()
    origins = inner_origins(t, horizon, config)
    ev.n_origins = len(origins)
    training = [(t[:n], y[:n]) for n in (int(np.searchsorted(t, o, side="right")) for o in origins)]
    fits.prefit([*training, (t, y)], {DECLINE_FITS[n] for n in (*names, *extra) if n in DECLINE_FITS})
    per_origin: dict[str, list[np.ndarray]] = {n: [] for n in (*names, *extra)}
    windows, leads, scales = [], [], []
    for origin in origins:
        n_train = int(np.searchsorted(t, origin, side="right"))
        t_tr, y_tr = t[:n_train], y[:n_train]
        in_win = (t > origin) & (t <= origin + horizon)
        t_te = t[in_win]
        windows.append(y[in_win])
        leads.append(np.ceil(t_te - origin))
        scales.append(naive_scale(y_tr))
        for name in (*names, *extra):
            per_origin[name].append(safe_predict(forecasters[name], t_tr, y_tr, t_te))
    actuals = _Actuals.of(windows, scales)
    ev.leads = np.concatenate(leads) if leads else np.zeros(0)
    for name in (*names, *extra):
        _record(ev, name, np.concatenate(per_origin[name]) if origins else np.zeros(0), actuals)
    # The ensemble's inner forecasts are the mean of the best candidates' inner forecasts at each origin.
    if origins and config.ensemble_size > 1:
        members = ensemble_members(ev, names, config.ensemble_size)
        _record(ev, "ensemble", np.mean([np.concatenate(per_origin[m]) for m in members], axis=0), actuals)
    return ev


def _record(ev: InnerEvaluation, name: str, pred: np.ndarray, actuals: _Actuals) -> None:
    """Score ``name``'s inner forecasts (all origins end to end, like ``actuals.y``)."""
    ev.scores[name] = actuals.window_mase(pred)
    ev.log_errors[name] = actuals.log1p_y - np.log1p(pred)


def ensemble_members(ev: InnerEvaluation, names: tuple[str, ...], size: int) -> list[str]:
    ranked = sorted(names, key=ev.mean_score)
    return ranked[:size]


@dataclass(frozen=True)
class RateForecast:
    """Rate on producing days at the requested future times, with the model that made it."""

    model: str
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    status: str  # "ok", "fallback", "shut_in", "insufficient_history"
    reason: str
    inner_scores: dict[str, float]


def forecast_rate_candidates(
    t: np.ndarray,
    y: np.ndarray,
    t_future: np.ndarray,
    t_origin: float,
    config: ForecastConfig = ForecastConfig(),
    include_candidates: bool = False,
    scored_only: tuple[str, ...] = (),
    covariates: WellCovariates | None = None,
    also: tuple[str, ...] = (),
) -> dict[str, RateForecast]:
    """Forecast rates at ``t_future`` from producing points (t, y) known at ``t_origin``.

    Always returns ``"selected"``: the candidate (or the ensemble of the best few) with the lowest mean
    inner MASE. With ``include_candidates`` every candidate is returned too, each with its own band, from
    the same inner evaluation (the backtest scores them all at the cost of one), and so are the
    ``scored_only`` models, which are evaluated the same way but never selected. ``also`` names models
    returned besides, at no inner-origin cost when they are neither candidates nor scored: their point
    forecast on all of (t, y), with the pool's band (a combination that needs only their P50, such as
    the medium-term median, pays one fit each). Defined outcomes instead of errors: too few points, or a
    well shut in for the whole recent window, give a status and reason with finite, non-negative numbers.
    """
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    ok = np.isfinite(t) & np.isfinite(y) & (y >= 0)
    t, y = t[ok], y[ok]
    n_future = len(t_future)
    zeros = np.zeros(n_future)
    lead = np.asarray(t_future, float) - t_origin
    horizon = max(int(np.ceil(lead.max())), 1) if n_future else 1
    if len(y) < config.min_fallback_points:
        reason = f"{len(y)} producing points; at least {config.min_fallback_points} are needed"
        return {"selected": RateForecast("none", zeros, zeros, zeros, "insufficient_history", reason, {})}
    if t_origin - t[-1] >= config.shut_in_days:
        reason = f"shut in: no producing day in the {int(t_origin - t[-1])} days before the origin"
        return {"selected": RateForecast("shut_in", zeros, zeros, zeros, "shut_in", reason, {})}
    noise = noise_scale(y)
    fits = decline_fits(config, covariates)
    forecasters = candidate_forecasters(fits, covariates)
    lead_idx = np.clip(np.ceil(lead).astype(int), 1, horizon)

    if len(y) < config.min_producing_points:
        # Too short to score candidates against each other: the fallback model is "selected"; candidates
        # asked for by the backtest still get their own forecast (with the same noise band) so every model
        # is scored on the same windows.
        reason = f"only {len(y)} producing points (< {config.min_producing_points}): no model selection"
        band = fallback_quantiles(horizon, noise)
        names = (FALLBACK_MODEL, *config.candidates, *scored_only) if include_candidates else (FALLBACK_MODEL,)
        out = {}
        for name in dict.fromkeys((*names, *also)):
            p10, p50, p90 = _band(safe_predict(forecasters[name], t, y, t_future), band, lead_idx)
            out[name] = RateForecast(name, p10, p50, p90, "fallback", reason, {})
        out["selected"] = out[FALLBACK_MODEL]
        return out

    names = config.candidates
    extra = tuple(n for n in scored_only if n not in names) if include_candidates else ()
    ev = evaluate_inner(t, y, horizon, names, config, extra, fits, covariates)
    scores = {n: ev.mean_score(n) for n in ev.scores}
    pool = [n for n in scores if n not in extra]
    status = "ok" if ev.n_origins else "fallback"
    reason = "" if ev.n_origins else "no inner origin to score candidates on"
    chosen = min(pool, key=lambda n: scores[n]) if ev.n_origins else FALLBACK_MODEL
    wanted = [chosen, *names, *extra] if include_candidates else [chosen]
    if include_candidates and "ensemble" in scores:
        wanted.append("ensemble")
    wanted += also
    points: dict[str, np.ndarray] = {}
    out: dict[str, RateForecast] = {}
    for name in dict.fromkeys(wanted):
        if name == "ensemble":
            members = ensemble_members(ev, names, config.ensemble_size)
            for m in members:
                if m not in points:
                    points[m] = safe_predict(forecasters[m], t, y, t_future)
            p50 = np.mean([points[m] for m in members], axis=0)
            label = "ensemble(" + "+".join(members) + ")"
        else:
            if name not in points:
                points[name] = safe_predict(forecasters[name], t, y, t_future)
            p50, label = points[name], name
        pooled = names if config.band_from == "pool" else ()
        p10, p50, p90 = _band(p50, ev.quantiles(name, horizon, noise, pooled), lead_idx)
        out[name] = RateForecast(label, p10, p50, p90, status, reason, scores)
    out["selected"] = out[chosen]
    return out


def forecast_rate(
    t: np.ndarray,
    y: np.ndarray,
    t_future: np.ndarray,
    t_origin: float,
    config: ForecastConfig = ForecastConfig(),
    covariates: WellCovariates | None = None,
) -> RateForecast:
    """The selected model's rate forecast (see ``forecast_rate_candidates``)."""
    return forecast_rate_candidates(t, y, t_future, t_origin, config, covariates=covariates)["selected"]


def _band(p50: np.ndarray, q: LogErrorQuantiles, lead_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply the lead-dependent log band at each future point's own lead."""
    idx = lead_idx - 1
    per_point = LogErrorQuantiles(lead_idx, q.q10[idx], q.q50[idx], q.q90[idx], q.n_errors, q.source)
    return apply_band(p50, per_point)


@dataclass(frozen=True)
class ForecastResult:
    """A well's daily forecast: ``points`` has date, p10, p50, p90 (rate on producing days, Sm3/d) and
    uptime and volume_p10/p50/p90 (expected calendar-day volume, Sm3/d = rate x uptime, both uncertain)."""

    well_id: str
    product: str
    model: str
    status: str
    reason: str
    origin: date | None
    points: pl.DataFrame
    uptime: Uptime | None


# The columns of a forecast point after its time column, daily and monthly alike.
BAND_SCHEMA = {
    "p10": pl.Float64(),
    "p50": pl.Float64(),
    "p90": pl.Float64(),
    "uptime": pl.Float64(),
    "volume_p10": pl.Float64(),
    "volume_p50": pl.Float64(),
    "volume_p90": pl.Float64(),
}
POINTS_SCHEMA = {"date": pl.Date(), **BAND_SCHEMA}


def forecast_series(
    series: DailySeries,
    horizon_days: int,
    config: ForecastConfig = ForecastConfig(),
    covariates: WellCovariates | None = None,
    outages: OutageLog | None = None,
) -> ForecastResult:
    """``forecast`` on an already prepared series; the origin is the series' last calendar day.
    ``covariates`` on the series' calendar give the decline fits their known breaks (choke changes).
    ``outages`` (the operator log) shape the uptime of a well down at the origin: off until a planned end
    after it, else as long as past outages of its kind lasted; the reason then says so."""
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    if len(series.dates) == 0:
        return ForecastResult(
            series.well_id,
            series.product,
            "none",
            "insufficient_history",
            "no producing-period rows",
            None,
            pl.DataFrame(schema=POINTS_SCHEMA),
            None,
        )
    day = series.day_index
    prod = series.producing
    origin_t = float(day[-1])
    t_future = origin_t + np.arange(1, horizon_days + 1, dtype=float)
    rf = forecast_rate(day[prod], series.rate[prod], t_future, origin_t, config, covariates)
    up = estimate_uptime(series, config.uptime_window_days)
    shut_in = rf.status == "shut_in"
    reason = rf.reason
    curve = None if shut_in or outages is None else outages.uptime_curve(series, up.mean, horizon_days, True)
    if curve is not None and curve.still_off is None:
        curve = None  # no outage open, or too few past ones to tell its length: the plain uptime
    uptime = np.full(horizon_days, 0.0 if shut_in else up.mean) if curve is None else curve.uptime
    if curve is not None:
        reason = f"{reason}; uptime: {curve.reason}" if reason else f"uptime: {curve.reason}"
    volumes = (np.zeros(horizon_days),) * 3 if shut_in else volume_band(rf.p10, rf.p50, rf.p90, up, outage=curve)
    origin = series.dates[-1].astype(object)
    points = pl.DataFrame(
        {
            "date": series.dates[-1] + np.arange(1, horizon_days + 1),  # datetime64[D]: no Python dates
            "p10": rf.p10,
            "p50": rf.p50,
            "p90": rf.p90,
            "uptime": uptime,
            "volume_p10": volumes[0],
            "volume_p50": volumes[1],
            "volume_p90": volumes[2],
        },
        schema=POINTS_SCHEMA,
    )
    if rf.status == "insufficient_history":
        points = points.clear()
    return ForecastResult(series.well_id, series.product, rf.model, rf.status, reason, origin, points, up)


def forecast(
    history: pl.DataFrame,
    horizon_days: int,
    product: str = "oil",
    *,
    config: ForecastConfig = ForecastConfig(),
) -> ForecastResult:
    """Daily forecast for one well from its silver well-day rows, starting the day after the last row.

    Raises ``NotAProducerError`` for an injector; every other bad input gives a result with a status:
    ``ok``, ``fallback`` (short history: median of the last 7 producing days with a noise-based band),
    ``shut_in`` (no producing day in the last ``shut_in_days``: zero forecast) or
    ``insufficient_history`` (fewer than ``min_fallback_points`` producing days: no points).
    """
    series = daily_series(history, product)
    return forecast_series(series, horizon_days, config, known_breaks(history, series, config))


def known_breaks(rows: pl.DataFrame, series: DailySeries, config: ForecastConfig) -> WellCovariates | None:
    """The choke breaks of a well's rows when the config fits after known breaks (else nothing to read)."""
    return break_covariates(rows, series.dates) if config.fit_after_breaks else None
