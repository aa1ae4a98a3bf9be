"""The productivity candidate: oil rate per unit of drawdown, forecast at the latest choke.

A well's inflow is linear in the drawdown for an undersaturated reservoir: q = J (Pr - Pwf), with J the
productivity index (Sm3/d per bar), Pr the reservoir pressure and Pwf the flowing bottomhole pressure.
Silver has no reservoir pressure (that needs shut-in build-ups), so Pr is taken to decline linearly over
the fit window, Pr(t) = Pr0 - k (t - t_last), and the rate is regressed on [1, t - t_last, Pwf]:

    q = J Pr0 - J k (t - t_last) - J Pwf   =>   J = -c_Pwf,  Pr0 = c_1 / J,  k = -c_t / J.

The forecast holds Pwf at its recent level (the median of the last week of valid readings: the choke the
operator last set) and lets Pr keep declining: q(t) = J (Pr0 - k (t - t_last) - Pwf_last), clipped at 0.
Pwf is the downhole gauge (``avg_downhole_pressure_bar``); where it has too few readings in the window or
none recent (a failed gauge: Volve's 15/9-F-12 reports one only until October 2010, 15/9-F-5 never) the
wellhead pressure ``avg_whp_bar`` stands in, since it moves with the bottomhole pressure by the roughly
constant tubing head; the fit says which.

Every bad input is a ``CandidateDeclined`` with a reason, never NaN: too few days with a rate and a
valid pressure, only zero (sentinel) pressures, pressures that look like another unit, a J that is not
positive or not distinguishable from zero, an implausible implied reservoir pressure, no drawdown, or a
last reading too long before the origin to stand for the choke at it.
Only the training points handed in are read, so the candidate is safe inside the backtest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from da_platform.forecast.covariates import FIT_WINDOW, CandidateDeclined, WellCovariates, fit_window_mask

MIN_POINTS = 30  # producing days with a valid pressure in the fit window: three unknowns need many more
# A pressure above this is not a well's bar reading: silver's bound is 2,000 bar and the deepest HPHT
# reservoirs reach ~1,400 bar, but a producing well's gauge above 1,000 bar is far likelier psi (Volve's
# highest downhole reading is 398 bar, 5,770 psi).
MAX_PRESSURE_BAR = 1_000.0
MIN_PWF_SPREAD_BAR = 0.5  # Pwf must move this much apart from its time trend, or J is not identified
MIN_J_T_STAT = 2.0  # J must stand this many standard errors above zero to be a productive relation
RECENT_DAYS = 7  # the week whose median pressure is "the latest choke"
STALE_DAYS = 30  # a last reading older than this before the origin says nothing of the choke at it


@dataclass(frozen=True)
class ProductivityFit:
    """Fitted inflow: J (Sm3/d per bar), reservoir pressure at the last point and its decline per day,
    the held flowing pressure, the day of the last point and which gauge was used."""

    j: float
    pr0: float
    pr_decline: float  # k, bar per day (>= 0: the reservoir pressure is not forecast to rise)
    pwf_last: float
    t0: float
    source: str  # "downhole" or "wellhead"
    n_points: int


def _usable(p: np.ndarray, name: str) -> tuple[np.ndarray, str]:
    """Which readings are usable, and why none are when none is. A reading above ``MAX_PRESSURE_BAR``
    declines the candidate outright: the file's pressures are in another unit, and the other gauge of
    the same file is no safer."""
    reported = np.isfinite(p)
    if (p[reported] > MAX_PRESSURE_BAR).any():
        raise CandidateDeclined(
            f"productivity: {name} pressure above {MAX_PRESSURE_BAR:.0f} bar: another unit (psi?), not bar"
        )
    if reported.any() and not (p[reported] > 0).any():
        return np.zeros(len(p), bool), f"every {name} pressure is zero or negative (a sentinel, no reading)"
    return reported & (p > 0), ""  # a zero gauge reading among real ones is no reading either


def _pick_gauge(
    t: np.ndarray, rate_ok: np.ndarray, pressures: list[tuple[str, np.ndarray | None]], origin: float
) -> tuple[str, np.ndarray, np.ndarray]:
    """The first gauge with ``MIN_POINTS`` producing days of valid readings, the last of them at most
    ``STALE_DAYS`` before ``origin`` (a gauge that failed a while ago says nothing of the latest choke,
    the other gauge may): (name, mask, pressures)."""
    why = []
    for name, p in pressures:
        if p is None:
            continue
        usable, reason = _usable(p, name)
        ok = rate_ok & usable
        if ok.sum() < MIN_POINTS:
            why.append(reason or f"{int(ok.sum())} producing days with a {name} pressure (< {MIN_POINTS})")
        elif origin - t[ok][-1] > STALE_DAYS:
            why.append(f"last {name} pressure {origin - t[ok][-1]:.0f} days before the origin")
        else:
            return name, ok, p
    raise CandidateDeclined(f"productivity: no usable pressure: {'; '.join(why) or 'none given'}")


def fit_productivity(
    t: np.ndarray,
    q: np.ndarray,
    downhole: np.ndarray | None,
    wellhead: np.ndarray | None = None,
    window: float = FIT_WINDOW,
    after: float | None = None,
) -> ProductivityFit:
    """Fit q = J (Pr0 - k (t - t_last) - Pwf) on the last ``window`` days (from ``after`` on when given, a
    known break such as a choke change or workover) of the training points (t, q, pressures at t).

    Pwf is ``downhole`` when it has ``MIN_POINTS`` valid readings on producing days in the window, else
    ``wellhead`` (None: no such gauge). Declines with a reason on every input the relation cannot be read
    from (see the module docstring)."""
    t, q = np.asarray(t, float), np.asarray(q, float)
    if len(t) == 0:
        raise CandidateDeclined("productivity: no training points")
    sel = fit_window_mask(t, window, after)
    rate_ok = np.isfinite(q[sel]) & (q[sel] > 0)
    gauges = [
        (n, None if v is None else np.asarray(v, float)[sel])
        for n, v in (("downhole", downhole), ("wellhead", wellhead))
    ]
    t_last = float(t[-1])
    source, ok, p = _pick_gauge(t[sel], rate_ok, gauges, t_last)
    pressure = p[ok]
    tt, qq = t[sel][ok], q[sel][ok]
    x = np.column_stack([np.ones(len(tt)), tt - t_last, pressure])
    # Pwf's own spread once its time trend is removed: if the operator held the choke, Pwf only drifts
    # with time and J cannot be told apart from the reservoir decline.
    trend = np.linalg.lstsq(x[:, :2], pressure, rcond=None)[0]
    if np.std(pressure - x[:, :2] @ trend) < MIN_PWF_SPREAD_BAR:
        raise CandidateDeclined(
            f"productivity: {source} pressure moves less than {MIN_PWF_SPREAD_BAR} bar apart from its trend: "
            "J is not identified"
        )
    coef, *_ = np.linalg.lstsq(x, qq, rcond=None)
    j = -float(coef[2])
    if not j > 0:
        raise CandidateDeclined(f"productivity: J = {j:.3g} <= 0: the rate does not rise as {source} Pwf falls")
    resid = qq - x @ coef
    dof = max(len(qq) - 3, 1)
    cov = np.linalg.pinv(x.T @ x) * float(resid @ resid) / dof
    se_j = float(np.sqrt(max(cov[2, 2], 0.0)))
    if j < MIN_J_T_STAT * se_j:
        raise CandidateDeclined(
            f"productivity: J = {j:.3g} ± {se_j:.2g} is indistinguishable from 0: no productive relation"
        )
    pr0, k = float(coef[0]) / j, -float(coef[1]) / j
    if pr0 > MAX_PRESSURE_BAR:
        raise CandidateDeclined(
            f"productivity: implied reservoir pressure {pr0:.0f} bar is implausible (J = {j:.3g} too small)"
        )
    recent = tt >= tt[-1] - RECENT_DAYS
    pwf_last = float(np.median(pressure[recent]))
    if pr0 <= pwf_last:
        raise CandidateDeclined(
            f"productivity: reservoir pressure {pr0:.1f} bar at or below Pwf {pwf_last:.1f} bar: no drawdown"
        )
    return ProductivityFit(j, pr0, max(k, 0.0), pwf_last, t_last, source, int(ok.sum()))


def productivity_forecast(fit: ProductivityFit, t_future: np.ndarray) -> np.ndarray:
    """Oil rate at ``t_future`` with Pwf held at its recent level while Pr declines: never negative (a
    reservoir drawn down to the held Pwf stops flowing, it does not inject)."""
    dt = np.asarray(t_future, float) - fit.t0
    return (fit.j * (fit.pr0 - fit.pr_decline * dt - fit.pwf_last)).clip(min=0.0)


def productivity_candidate(
    covariates: WellCovariates, t: np.ndarray, y: np.ndarray, t_future: np.ndarray
) -> np.ndarray:
    """The ``Forecaster`` form: (t, oil rates, future t) -> oil rate, the pressures looked up at the
    training days t only, the fit starting after the latest break known at the last of them."""
    idx = np.asarray(t, int)
    downhole, wellhead = covariates.downhole_pressure, covariates.wellhead_pressure
    if len(idx) == 0 or idx.max() >= max(len(downhole), len(wellhead)):
        raise CandidateDeclined("productivity: no pressure on the training days (no covariate calendar)")
    on_days = [p[idx] if len(p) > idx.max() else None for p in (downhole, wellhead)]
    after = covariates.last_break(float(t[-1]))
    return productivity_forecast(fit_productivity(t, y, *on_days, after=after), t_future)
