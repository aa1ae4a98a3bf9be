"""Arps decline curves and a bounded, robust fit.

Rates are in Sm3/d, time ``t`` in days (or months, for monthly series) since the start of the fit window,
decline ``di`` is the nominal initial decline per time unit. Daily well data carries shut-in-like dips
(partial days scaled to 24 h, choke backs) and plain least squares lets those dips drag the curve and push
the ``b`` exponent onto its bound; a soft-L1 loss on relative residuals, with a scale taken from the
data's own day-to-day noise, treats them as outliers instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import least_squares

DeclineModel = Literal["exponential", "hyperbolic", "harmonic", "modified_hyperbolic"]
DECLINE_MODELS: tuple[DeclineModel, ...] = ("exponential", "hyperbolic", "harmonic", "modified_hyperbolic")
B_MAX = 2.0
DI_MAX = 1.0  # per time unit: 100 %/day nominal is already far beyond any real well
# Default terminal decline of the modified hyperbolic: 8 %/yr nominal, expressed per day.
DEFAULT_D_TERMINAL = 0.08 / 365.25


def exponential(t: np.ndarray, qi: float, di: float) -> np.ndarray:
    return qi * np.exp(-di * t)


def hyperbolic(t: np.ndarray, qi: float, di: float, b: float) -> np.ndarray:
    # b -> 0 is the exponential limit; evaluating the hyperbolic form there divides by ~0.
    if b < 1e-6:
        return exponential(t, qi, di)
    return qi * np.power(1.0 + b * di * np.asarray(t, float), -1.0 / b)


def harmonic(t: np.ndarray, qi: float, di: float) -> np.ndarray:
    return hyperbolic(t, qi, di, 1.0)


def modified_hyperbolic(t: np.ndarray, qi: float, di: float, b: float, d_terminal: float) -> np.ndarray:
    """Hyperbolic until the instantaneous decline di/(1 + b di t) falls to ``d_terminal``, exponential after.

    The switch keeps b > 1 fits from promising unbounded reserves in long forecasts.
    """
    t = np.asarray(t, float)
    if b < 1e-6 or di <= d_terminal or d_terminal <= 0:
        return exponential(t, qi, max(di, d_terminal))
    t_switch = (di / d_terminal - 1.0) / (b * di)
    q_switch = qi * (1.0 + b * di * t_switch) ** (-1.0 / b)
    # Clamp the exponent on the unused branch of np.where so it cannot overflow for t << t_switch.
    tail = q_switch * np.exp(-d_terminal * np.maximum(t - t_switch, 0.0))
    return np.where(t < t_switch, hyperbolic(t, qi, di, b), tail)


@dataclass(frozen=True)
class ArpsFit:
    """A fitted decline curve; ``t0`` is the time origin of the fit window on the caller's axis."""

    model: DeclineModel
    qi: float
    di: float
    b: float
    d_terminal: float
    t0: float
    cost: float
    n_points: int

    def rate(self, t: np.ndarray) -> np.ndarray:
        """Rate at caller times ``t`` (same axis as the fit input)."""
        return decline_rate(self.model, np.asarray(t, float) - self.t0, self.qi, self.di, self.b, self.d_terminal)


def decline_rate(model: DeclineModel, t: np.ndarray, qi: float, di: float, b: float, d_terminal: float) -> np.ndarray:
    if model == "exponential":
        return exponential(t, qi, di)
    if model == "harmonic":
        return harmonic(t, qi, di)
    if model == "hyperbolic":
        return hyperbolic(t, qi, di, b)
    if model == "modified_hyperbolic":
        return modified_hyperbolic(t, qi, di, b, d_terminal)
    raise ValueError(f"unknown decline model {model!r}; expected one of {DECLINE_MODELS}")


def _initial_guess(t: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """qi and di from a robust log-linear trend, so the optimiser starts near the data."""
    pos = q > 0
    if pos.sum() >= 3 and np.ptp(t[pos]) > 0:
        slope, intercept = np.polyfit(t[pos], np.log(q[pos]), 1)
        qi = float(np.exp(intercept))
        di = float(np.clip(-slope, 1e-6, 0.5))
    else:
        qi, di = float(np.median(q)), 1e-4
    head = q[: max(3, len(q) // 10)]
    qi = float(np.clip(qi, 1e-6, 10 * max(q.max(), 1e-6))) if qi > 0 else float(np.median(head))
    return max(qi, 1e-6), di


def noise_scale(q: np.ndarray) -> float:
    """Robust relative noise of a rate series: MAD of day-to-day log changes (outliers barely move it)."""
    pos = q[q > 0]
    if len(pos) < 3:
        return 0.1
    d = np.diff(np.log(pos))
    return float(max(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0), 0.01))


def fit_arps(
    t: np.ndarray,
    q: np.ndarray,
    model: DeclineModel = "hyperbolic",
    *,
    loss: str = "soft_l1",
    d_terminal: float = DEFAULT_D_TERMINAL,
) -> ArpsFit:
    """Fit a decline curve to rates ``q`` at times ``t`` (producing days only; gaps are fine).

    Residuals are relative to the median rate, so the fit is scale free and ``f_scale`` can be the series'
    own noise level; ``loss="linear"`` is plain least squares (kept for comparison). Bounds: qi in
    (0, 10 max q], di in [0, 1], b in [0, 2]. Hyperbolic fits start from several b so a flat cost surface
    does not leave b wherever the single start happened to be.
    """
    t = np.asarray(t, float)
    q = np.asarray(q, float)
    ok = np.isfinite(t) & np.isfinite(q) & (q >= 0)
    t, q = t[ok], q[ok]
    if len(q) < 3:
        raise ValueError(f"need at least 3 producing points to fit a decline curve, got {len(q)}")
    t0 = float(t.min())
    tt = t - t0
    scale = float(max(np.median(q), 1e-9))
    f_scale = noise_scale(q)
    qi0, di0 = _initial_guess(tt, q)
    q_hi = 10.0 * max(float(q.max()), 1e-6)
    qi0 = min(qi0, q_hi * 0.99)

    def residuals(p: np.ndarray, b_fixed: float | None) -> np.ndarray:
        b = p[2] if b_fixed is None else b_fixed
        return (decline_rate(model, tt, p[0], p[1], b, d_terminal) - q) / scale

    if model in ("exponential", "harmonic"):
        b_fixed = 0.0 if model == "exponential" else 1.0
        starts = [np.array([qi0, di0])]
        lower, upper = [1e-9, 0.0], [q_hi, DI_MAX]
    else:
        b_fixed = None
        starts = [np.array([qi0, di0, b0]) for b0 in (0.3, 0.9, 1.6)]
        lower, upper = [1e-9, 0.0, 0.0], [q_hi, DI_MAX, B_MAX]

    best = None
    for x0 in starts:
        res = least_squares(
            residuals, x0, args=(b_fixed,), bounds=(lower, upper), loss=loss, f_scale=f_scale, max_nfev=200
        )
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    p = best.x
    b = float(p[2]) if b_fixed is None else b_fixed
    return ArpsFit(model, float(p[0]), float(p[1]), b, d_terminal, t0, float(best.cost), len(q))
