"""Arps decline curves and a bounded, robust fit.

Rates are in Sm3/d, time ``t`` in days (or months, for monthly series) since the start of the fit window,
decline ``di`` is the nominal initial decline per time unit. Daily well data carries shut-in-like dips
(partial days scaled to 24 h, choke backs) and plain least squares lets those dips drag the curve and push
the ``b`` exponent onto its bound; a soft-L1 loss on relative residuals, with a scale taken from the
data's own day-to-day noise, treats them as outliers instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

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


# Coarse grid for the starting point: nominal decline spaced in log over its range, b over [0, B_MAX].
_DI_GRID = np.concatenate([[0.0], np.geomspace(1e-5, DI_MAX, 31)])
_B_GRID = np.linspace(0.0, B_MAX, 9)
GRID_POINTS = 80  # at most about this many points are used to pick the start


def _shapes(tt: np.ndarray, di: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unit-qi hyperbolic curves, one row per (di, b) pair (b = 0 rows are exponential)."""
    di, b = di[:, None], b[:, None]
    x = np.log1p(np.maximum(b, 1e-6) * di * tt[None, :])
    hyper = np.exp(-x / np.maximum(b, 1e-6))
    return np.where(b < 1e-6, np.exp(-di * tt[None, :]), hyper)


def _grid_start(
    model: DeclineModel, tt: np.ndarray, q: np.ndarray, q_hi: float, cost_of: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """The best (qi, di[, b]) on a coarse grid, qi being each shape's closed-form least-squares level.

    qi enters the curve linearly, so only the shape (di, b) needs searching; one vectorised pass over a
    few hundred shapes puts the optimiser in the right basin, where several starts used to be needed.
    """
    b_values = {"exponential": [0.0], "harmonic": [1.0]}.get(model, _B_GRID)
    di_grid, b_grid = (a.ravel() for a in np.meshgrid(_DI_GRID, b_values))
    # A start only has to land in the right basin: every k-th point of a long series is enough for that.
    every = max(1, len(tt) // GRID_POINTS)
    tt, q = tt[::every], q[::every]
    g = _shapes(tt, di_grid, b_grid)
    qi = np.clip((g @ q) / np.maximum(np.einsum("ij,ij->i", g, g), 1e-300), 1e-9, q_hi)
    best = int(np.argmin(cost_of(qi[:, None] * g - q[None, :])))
    start = [qi[best], di_grid[best]] + ([] if model in ("exponential", "harmonic") else [b_grid[best]])
    return np.array(start)


def _hyperbolic_jacobian(tt: np.ndarray, p: np.ndarray, b_fixed: float | None) -> np.ndarray:
    """d(rate)/d(qi, di[, b]) of the hyperbolic family (exponential at b = 0), analytically."""
    qi, di = p[0], p[1]
    b = p[2] if b_fixed is None else b_fixed
    if b < 1e-6:
        g = np.exp(-di * tt)
        d_b = qi * g * (di * tt) ** 2 / 2.0  # the b -> 0 limit of the hyperbolic derivative
    else:
        x = 1.0 + b * di * tt
        g = x ** (-1.0 / b)
        d_b = qi * g * (np.log(x) / b**2 - di * tt / (b * x))
    d_di = -qi * tt * g / (1.0 + b * di * tt)
    columns = [g, d_di] if b_fixed is not None else [g, d_di, d_b]
    return np.column_stack(columns)


def _numeric_jacobian(rate: Callable[[np.ndarray], np.ndarray], p: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Forward differences, stepping down instead of up at an upper bound."""
    base = rate(p)
    columns = []
    for i in range(len(p)):
        h = 1e-7 * max(abs(p[i]), 1e-6)
        if p[i] + h > upper[i]:
            h = -h
        q = p.copy()
        q[i] += h
        columns.append((rate(q) - base) / h)
    return np.column_stack(columns)


def _rho(z: np.ndarray, loss: str) -> np.ndarray:
    """The loss of squared scaled residuals z = (r/f)^2: z itself for plain least squares, else soft-L1."""
    return z if loss == "linear" else 2.0 * (np.sqrt(1.0 + z) - 1.0)


def _robust_least_squares(
    residuals: Callable[[np.ndarray], np.ndarray],
    jacobian: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    f_scale: float,
    loss: str,
    max_iter: int = 100,
) -> tuple[np.ndarray, float]:
    """Levenberg–Marquardt on iteratively reweighted residuals, steps projected onto the bounds.

    For soft-L1 the weight of a residual r is 1/sqrt(1 + (r/f)^2), the reweighting that makes least
    squares minimise the soft-L1 cost; Marquardt's diagonal scaling copes with qi ~ 1e3 next to di ~ 1e-3.
    A fit of two or three parameters needs a few tiny solves, so this avoids the ~2 ms fixed cost of a
    general-purpose optimiser call, which was most of a fit's time. Returns (x, cost) with scipy's cost
    convention, 0.5 f^2 sum(rho((r/f)^2)).
    """

    def cost_of(r: np.ndarray) -> float:
        return float(0.5 * f_scale**2 * _rho((r / f_scale) ** 2, loss).sum())

    x = np.clip(np.asarray(x0, float), lower, upper)
    r = residuals(x)
    cost = cost_of(r)
    lam = 1e-3
    for _ in range(max_iter):
        w = np.ones_like(r) if loss == "linear" else 1.0 / np.sqrt(1.0 + (r / f_scale) ** 2)
        j = jacobian(x)
        jw = j * w[:, None]
        hess = j.T @ jw
        grad = jw.T @ r
        diag = np.maximum(np.diag(hess), 1e-300)
        improved = False
        while lam < 1e12:
            try:
                step = np.linalg.solve(hess + lam * np.diag(diag), -grad)
            except np.linalg.LinAlgError:
                lam *= 10.0
                continue
            x_new = np.clip(x + step, lower, upper)
            r_new = residuals(x_new)
            cost_new = cost_of(r_new)
            if np.isfinite(cost_new) and cost_new <= cost:
                improved = True
                break
            lam *= 10.0
        if not improved:
            break
        converged = cost - cost_new <= 1e-6 * max(cost, 1e-300) or np.all(
            np.abs(x_new - x) <= 1e-6 * np.maximum(np.abs(x), 1e-12)
        )
        x, r, cost = x_new, r_new, cost_new
        lam = max(lam / 10.0, 1e-12)
        if converged:
            break
    return x, cost


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
    (0, 10 max q], di in [0, 1], b in [0, 2]. The optimiser starts from the best point of a coarse grid
    over (di, b), so a flat cost surface does not leave b wherever a single guess happened to be, and
    the exponential/harmonic/hyperbolic Jacobians are analytic (a fit costs well under a millisecond).
    """
    if loss not in ("soft_l1", "linear"):
        raise ValueError(f"unknown loss {loss!r}; expected 'soft_l1' or 'linear'")
    if model not in DECLINE_MODELS:
        raise ValueError(f"unknown decline model {model!r}; expected one of {DECLINE_MODELS}")
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
    q_hi = 10.0 * max(float(q.max()), 1e-6)
    b_fixed = {"exponential": 0.0, "harmonic": 1.0}.get(model)

    def cost_of(diff: np.ndarray) -> np.ndarray:
        return _rho((diff / (scale * f_scale)) ** 2, loss).sum(axis=-1)

    def rate(p: np.ndarray) -> np.ndarray:
        b = p[2] if b_fixed is None else b_fixed
        return decline_rate(model, tt, p[0], p[1], b, d_terminal)

    lower = np.array([1e-9, 0.0] if b_fixed is not None else [1e-9, 0.0, 0.0])
    upper = np.array([q_hi, DI_MAX] if b_fixed is not None else [q_hi, DI_MAX, B_MAX])

    def jacobian(p: np.ndarray) -> np.ndarray:
        # The modified hyperbolic's switch time moves with di and b: its derivative is taken numerically.
        if model == "modified_hyperbolic":
            return _numeric_jacobian(rate, p, upper) / scale
        return _hyperbolic_jacobian(tt, p, b_fixed) / scale

    x0 = _grid_start(model, tt, q, q_hi, cost_of)
    p, cost = _robust_least_squares(lambda p: (rate(p) - q) / scale, jacobian, x0, lower, upper, f_scale, loss)
    b = float(p[2]) if b_fixed is None else b_fixed
    return ArpsFit(model, float(p[0]), float(p[1]), b, d_terminal, t0, cost, len(q))
