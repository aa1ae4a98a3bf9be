"""Arps decline curves and a bounded, robust fit.

Rates are in Sm3/d, time ``t`` in days (or months, for monthly series) since the start of the fit window,
decline ``di`` is the nominal initial decline per time unit. Daily well data carries shut-in-like dips
(partial days scaled to 24 h, choke backs) and plain least squares lets those dips drag the curve and push
the ``b`` exponent onto its bound; a soft-L1 loss on relative residuals, with a scale taken from the
data's own day-to-day noise, treats them as outliers instead.
"""

from __future__ import annotations

import functools
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
GRID_POINTS = 80  # the start is picked on every (n // 80)-th point: 80 to 159 of a longer window's points
_FIXED_B: dict[str, float] = {"exponential": 0.0, "harmonic": 1.0}


def _rho(z: np.ndarray, loss: str) -> np.ndarray:
    """The loss of squared scaled residuals z = (r/f)^2: z itself for plain least squares, else soft-L1."""
    return z if loss == "linear" else 2.0 * (np.sqrt(1.0 + z) - 1.0)


class _Windows:
    """Several fit windows padded into (K, N) arrays, one row each, with the per-row constants of the fit.

    Padding carries weight 0 (``mask``), so every row is fitted exactly as it would be alone; fitting the
    rows together turns the optimiser's many tiny numpy calls per fit into one call per iteration for all
    of them (a well's forecast fits ~27 windows: 8 inner origins and the final one, 3 models each).
    """

    def __init__(
        self,
        windows: list[tuple[np.ndarray, np.ndarray]],
        source: list[int],
        models: list[DeclineModel],
        loss: str,
    ) -> None:
        """Row i fits ``windows[source[i]]`` with ``models[i]`` (a window fitted with several models is
        given once, and its constants are computed once)."""
        k, n = len(source), max(len(windows[s][0]) for s in source)
        self.loss = loss
        self.models = models
        self.tt = np.zeros((k, n))
        self.q = np.zeros((k, n))
        self.mask = np.zeros((k, n))
        self.t0 = np.empty(k)
        self.scale = np.empty(k)
        self.f_scale = np.empty(k)
        self.n_points = np.empty(k, dtype=int)
        constants: dict[int, tuple[float, float, float]] = {}
        for i, s in enumerate(source):
            t, q = windows[s]
            m = len(t)
            self.tt[i, :m] = t - t.min()
            self.q[i, :m] = q
            self.mask[i, :m] = 1.0
            self.n_points[i] = m
            if s not in constants:
                # Residuals are relative to the median rate, so the fit is scale free and f_scale can be
                # the series' own noise level.
                constants[s] = (float(t.min()), max(float(np.median(q)), 1e-9), noise_scale(q))
            self.t0[i], self.scale[i], self.f_scale[i] = constants[s]
        q_hi = 10.0 * np.maximum(self.q.max(axis=1), 1e-6)
        self.lower = np.tile([1e-9, 0.0, 0.0], (k, 1))
        self.upper = np.column_stack([q_hi, np.full(k, DI_MAX), np.full(k, B_MAX)])
        # exponential and harmonic are the hyperbolic with b held at 0 and 1: a fixed b is a parameter
        # whose column of the Jacobian is zero, so the step never moves it.
        self.free = np.ones((k, 3), dtype=bool)
        for i, model in enumerate(models):
            if model in _FIXED_B:
                self.free[i, 2] = False
                self.lower[i, 2] = self.upper[i, 2] = _FIXED_B[model]

    def cost(self, r: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """scipy's cost convention per row, 0.5 f^2 sum(rho((r/f)^2)), for residuals ``r`` of ``rows``."""
        f = self.f_scale[rows, None]
        return 0.5 * self.f_scale[rows] ** 2 * (_rho((r / f) ** 2, self.loss) * self.mask[rows]).sum(axis=1)


def _hyperbolic_rows(tt: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Hyperbolic rates (exponential where b ~ 0) at ``tt`` (K, N) for parameter rows p = (qi, di, b)."""
    qi, di, b = p[:, 0:1], p[:, 1:2], p[:, 2:3]
    bb = np.maximum(b, 1e-6)  # b -> 0 is the exponential limit; the hyperbolic form divides by ~0 there
    hyper = qi * np.power(1.0 + bb * di * tt, -1.0 / bb)
    return np.where(b < 1e-6, qi * np.exp(-di * tt), hyper)


def _modified_hyperbolic_rows(tt: np.ndarray, p: np.ndarray, d_terminal: float) -> np.ndarray:
    """``modified_hyperbolic`` for parameter rows, as the one-row function computes it."""
    qi, di, b = p[:, 0:1], p[:, 1:2], p[:, 2:3]
    exp_only = (b < 1e-6) | (di <= d_terminal) | (d_terminal <= 0)
    bb = np.maximum(b, 1e-6)
    safe_di = np.where(exp_only, 1.0, di)
    t_switch = np.where(exp_only, 0.0, (safe_di / max(d_terminal, 1e-300) - 1.0) / (bb * safe_di))
    q_switch = qi * (1.0 + bb * di * t_switch) ** (-1.0 / bb)
    tail = q_switch * np.exp(-d_terminal * np.maximum(tt - t_switch, 0.0))
    shaped = np.where(tt < t_switch, _hyperbolic_rows(tt, p), tail)
    return np.where(exp_only, qi * np.exp(-np.maximum(di, d_terminal) * tt), shaped)


def _hyperbolic_jacobian_rows(tt: np.ndarray, p: np.ndarray) -> np.ndarray:
    """d(rate)/d(qi, di, b) of the hyperbolic family per row, analytically: (K, N, 3)."""
    qi, di, b = p[:, 0:1], p[:, 1:2], p[:, 2:3]
    exp_row = b < 1e-6
    bb = np.maximum(b, 1e-6)
    x = 1.0 + bb * di * tt
    g = np.where(exp_row, np.exp(-di * tt), x ** (-1.0 / bb))
    d_b = np.where(
        exp_row,
        qi * g * (di * tt) ** 2 / 2.0,  # the b -> 0 limit of the hyperbolic derivative
        qi * g * (np.log(x) / bb**2 - di * tt / (bb * x)),
    )
    d_di = -qi * tt * g / (1.0 + np.where(exp_row, 0.0, b) * di * tt)
    return np.stack([g, d_di, d_b], axis=-1)


def _numeric_jacobian_rows(rate: Callable[[np.ndarray], np.ndarray], p: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Forward differences per row, stepping down instead of up at an upper bound: (K, N, P)."""
    base = rate(p)
    columns = []
    for i in range(p.shape[1]):
        h = 1e-7 * np.maximum(np.abs(p[:, i]), 1e-6)
        h = np.where(p[:, i] + h > upper[:, i], -h, h)
        stepped = p.copy()
        stepped[:, i] += h
        columns.append((rate(stepped) - base) / h[:, None])
    return np.stack(columns, axis=-1)


def _unit_shapes(tt: np.ndarray, di: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unit-qi curves at times ``tt`` (any shape), one per (di, b) pair: (pairs, *tt.shape)."""
    shape = (len(di),) + (1,) * tt.ndim
    di, b = di.reshape(shape), b.reshape(shape)
    exp_rows = b.ravel() < 1e-6
    out = np.empty((len(exp_rows), *tt.shape))
    out[exp_rows] = np.exp(-di[exp_rows] * tt)
    bh, dh = b[~exp_rows], di[~exp_rows]
    out[~exp_rows] = np.exp(-np.log1p(bh * dh * tt) / bh)
    return out


@functools.lru_cache(maxsize=8)
def _shape_table(b_values: tuple[float, ...], n_units: int) -> np.ndarray:
    """The grid's unit curves at 0, 1, ..., n_units - 1 time units: (n_units, shapes), read-only. Every daily
    window of a year needs the same table, so it is computed once per process, not once per fit."""
    di_grid, b_grid = (a.ravel() for a in np.meshgrid(_DI_GRID, b_values))
    table = np.ascontiguousarray(_unit_shapes(np.arange(float(n_units)), di_grid, b_grid).T)
    table.flags.writeable = False
    return table


def _grid_start(w: _Windows) -> np.ndarray:
    """The best (qi, di, b) of every row on a coarse grid, qi being each shape's closed-form least-squares
    level.

    qi enters the curve linearly, so only the shape (di, b) needs searching; one vectorised pass over a
    few hundred shapes puts the optimiser in the right basin, where several starts used to be needed.
    A start only has to land in the right basin: every k-th point of a long window (``GRID_POINTS`` up
    to twice that many) is enough for that.
    """
    k = len(w.models)
    x0 = np.empty((k, 3))
    b_grids = {model: [_FIXED_B[model]] if model in _FIXED_B else _B_GRID for model in set(w.models)}
    for model, b_values in sorted(b_grids.items()):
        rows = np.array([i for i, m in enumerate(w.models) if m == model])
        di_grid, b_grid = (a.ravel() for a in np.meshgrid(_DI_GRID, b_values))
        every = np.maximum(1, w.n_points[rows] // GRID_POINTS)
        m = int(np.max(-(-w.n_points[rows] // every)))
        at = np.arange(m)[None, :] * every[:, None]
        inside = at < w.n_points[rows, None]
        idx = np.minimum(at, w.tt.shape[1] - 1)
        tt = np.take_along_axis(w.tt[rows], idx, axis=1)
        q = np.take_along_axis(w.q[rows], idx, axis=1) * inside
        # Daily and monthly windows sit on whole time units: the curves are evaluated once per unit
        # offset and looked up, instead of once per row and point. Layout (rows, points, shapes).
        whole = np.array_equal(tt, np.round(tt)) and tt.max() <= 100_000
        if whole:
            # (rounded up, so windows of slightly different lengths share one table)
            g = _shape_table(tuple(b_values), 512 * (int(tt.max()) // 512 + 1))[tt.astype(int)]
        else:
            g = np.moveaxis(_unit_shapes(tt, di_grid, b_grid), 0, -1)
        g *= inside[:, :, None]
        q_hi = w.upper[rows, 0][:, None]
        level = (q[:, None, :] @ g)[:, 0, :] / np.maximum(np.square(g).sum(axis=1), 1e-300)
        qi = np.clip(level, 1e-9, q_hi)
        # The cost of every shape, in place (a few hundred thousand values per call). Padding has g = q = 0,
        # so it adds the same to every shape of a row and cannot change which one is best.
        g *= qi[:, None, :]
        g -= q[:, :, None]
        g *= (1.0 / (w.scale[rows] * w.f_scale[rows]))[:, None, None]
        np.square(g, out=g)
        if w.loss != "linear":  # soft-L1 up to its constants: 2 (sqrt(1 + z) - 1)
            g += 1.0
            np.sqrt(g, out=g)
        best = np.argmin(g.sum(axis=1), axis=1)
        x0[rows] = np.column_stack([qi[np.arange(len(rows)), best], di_grid[best], b_grid[best]])
    return x0


def _solve_rows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve a[k] x = b[k] for every row; a singular row gives ok = False instead of failing them all."""
    try:
        return np.linalg.solve(a, b[..., None])[..., 0], np.ones(len(a), dtype=bool)
    except np.linalg.LinAlgError:
        x, ok = np.zeros_like(b), np.ones(len(a), dtype=bool)
        for i in range(len(a)):
            try:
                x[i] = np.linalg.solve(a[i], b[i])
            except np.linalg.LinAlgError:
                ok[i] = False
        return x, ok


def _robust_least_squares(
    w: _Windows,
    rate: Callable[[np.ndarray, np.ndarray], np.ndarray],
    jacobian: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x0: np.ndarray,
    max_iter: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Levenberg–Marquardt on iteratively reweighted residuals, steps projected onto the bounds, every
    row on its own (its own damping, acceptance and stop) but all rows in the same numpy calls.

    For soft-L1 the weight of a residual r is 1/sqrt(1 + (r/f)^2), the reweighting that makes least
    squares minimise the soft-L1 cost; Marquardt's diagonal scaling copes with qi ~ 1e3 next to di ~ 1e-3.
    A fit of two or three parameters needs a few tiny solves, so this avoids the ~2 ms fixed cost of a
    general-purpose optimiser call. ``rate(p, rows)`` and ``jacobian(p, rows)`` evaluate parameter rows
    ``p`` on the windows ``rows``. Returns (x, cost) per row, cost in scipy's convention.
    """
    k = len(x0)
    all_rows = np.arange(k)
    x = np.clip(np.asarray(x0, float), w.lower, w.upper)

    def residuals(p: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return (rate(p, rows) - w.q[rows]) / w.scale[rows, None] * w.mask[rows]

    r = residuals(x, all_rows)
    cost = w.cost(r, all_rows)
    lam = np.full(k, 1e-3)
    accepted = np.zeros(k, dtype=int)
    active = np.ones(k, dtype=bool)
    stale = np.ones(k, dtype=bool)  # rows whose Jacobian must be (re)computed: x moved
    hess, grad = np.zeros((k, 3, 3)), np.zeros((k, 3))
    while active.any():
        rows = np.flatnonzero(active & stale)
        if len(rows):
            f = w.f_scale[rows, None]
            weight = w.mask[rows] if w.loss == "linear" else w.mask[rows] / np.sqrt(1.0 + (r[rows] / f) ** 2)
            j = jacobian(x[rows], rows) / w.scale[rows, None, None] * w.free[rows, None, :]
            jw = j * weight[..., None]
            jt = jw.transpose(0, 2, 1)
            h = jt @ j
            g = (jt @ r[rows][:, :, None])[:, :, 0]
            # Held this step: a fixed b, and a parameter on a bound that the gradient pushes further out
            # (a step computed as if it could move, then clipped, crawls along the bound for a hundred
            # iterations). A held parameter gets unit curvature and no gradient: its step is exactly zero.
            held = ~w.free[rows] | ((x[rows] <= w.lower[rows]) & (g > 0.0)) | ((x[rows] >= w.upper[rows]) & (g < 0.0))
            keep = ~held
            hess[rows] = h * keep[:, :, None] * keep[:, None, :] + np.eye(3)[None] * held[:, :, None]
            grad[rows] = g * keep
            stale[rows] = False
        rows = np.flatnonzero(active)
        diag = np.maximum(np.diagonal(hess[rows], axis1=1, axis2=2), 1e-300)
        damped = hess[rows] + lam[rows, None, None] * (np.eye(3)[None] * diag[:, None, :])
        step, solved = _solve_rows(damped, -grad[rows])
        x_new = np.clip(x[rows] + step, w.lower[rows], w.upper[rows])
        r_new = residuals(x_new, rows)
        cost_new = w.cost(r_new, rows)
        ok = solved & np.isfinite(cost_new) & (cost_new <= cost[rows])
        better, worse = rows[ok], rows[~ok]
        converged = (cost[better] - cost_new[ok] <= 1e-6 * np.maximum(cost[better], 1e-300)) | np.all(
            np.abs(x_new[ok] - x[better]) <= 1e-6 * np.maximum(np.abs(x[better]), 1e-12), axis=1
        )
        x[better], r[better], cost[better] = x_new[ok], r_new[ok], cost_new[ok]
        lam[better] = np.maximum(lam[better] / 10.0, 1e-12)
        accepted[better] += 1
        stale[better] = True
        active[better[converged | (accepted[better] >= max_iter)]] = False
        lam[worse] *= 10.0
        active[worse[lam[worse] >= 1e12]] = False  # no damping makes a step that lowers the cost: done
    return x, cost


def fit_arps_many(
    windows: list[tuple[np.ndarray, np.ndarray]],
    models: list[DeclineModel],
    *,
    loss: str = "soft_l1",
    d_terminal: float = DEFAULT_D_TERMINAL,
) -> list[ArpsFit]:
    """``fit_arps`` of every (t, q) window with its model, fitted together (same results, one set of numpy
    calls per optimiser iteration instead of one per window)."""
    if loss not in ("soft_l1", "linear"):
        raise ValueError(f"unknown loss {loss!r}; expected 'soft_l1' or 'linear'")
    if len(windows) != len(models):
        raise ValueError(f"{len(windows)} windows but {len(models)} models")
    for model in models:
        if model not in DECLINE_MODELS:
            raise ValueError(f"unknown decline model {model!r}; expected one of {DECLINE_MODELS}")
    # A window fitted with several models is cleaned once and shares its constants (by identity: the
    # callers pass the same arrays for each model of a window).
    distinct: list[tuple[np.ndarray, np.ndarray]] = []
    source: list[int] = []
    seen: dict[tuple[int, int], int] = {}
    for t_in, q_in in windows:
        key = (id(t_in), id(q_in))
        if key not in seen:
            t, q = np.asarray(t_in, float), np.asarray(q_in, float)
            ok = np.isfinite(t) & np.isfinite(q) & (q >= 0)
            if ok.sum() < 3:
                raise ValueError(f"need at least 3 producing points to fit a decline curve, got {int(ok.sum())}")
            seen[key] = len(distinct)
            distinct.append((t[ok], q[ok]))
        source.append(seen[key])
    fits: list[ArpsFit | None] = [None] * len(models)
    # The modified hyperbolic's switch time moves with di and b: its Jacobian is taken numerically, so its
    # rows are fitted apart from the analytic family.
    for modified in (False, True):
        idx = [i for i, m in enumerate(models) if (m == "modified_hyperbolic") == modified]
        if not idx:
            continue
        w = _Windows(distinct, [source[i] for i in idx], [models[i] for i in idx], loss)
        if modified:

            def rate(p: np.ndarray, rows: np.ndarray, w: _Windows = w) -> np.ndarray:
                return _modified_hyperbolic_rows(w.tt[rows], p, d_terminal)

            def jacobian(p: np.ndarray, rows: np.ndarray, w: _Windows = w) -> np.ndarray:
                return _numeric_jacobian_rows(
                    lambda s: _modified_hyperbolic_rows(w.tt[rows], s, d_terminal), p, w.upper[rows]
                )

        else:

            def rate(p: np.ndarray, rows: np.ndarray, w: _Windows = w) -> np.ndarray:
                return _hyperbolic_rows(w.tt[rows], p)

            def jacobian(p: np.ndarray, rows: np.ndarray, w: _Windows = w) -> np.ndarray:
                return _hyperbolic_jacobian_rows(w.tt[rows], p)

        x, cost = _robust_least_squares(w, rate, jacobian, _grid_start(w))
        for row, i in enumerate(idx):
            b = float(x[row, 2]) if models[i] not in _FIXED_B else _FIXED_B[models[i]]
            fits[i] = ArpsFit(
                models[i],
                float(x[row, 0]),
                float(x[row, 1]),
                b,
                d_terminal,
                float(w.t0[row]),
                float(cost[row]),
                int(w.n_points[row]),
            )
    return [f for f in fits if f is not None]


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
    return fit_arps_many([(t, q)], [model], loss=loss, d_terminal=d_terminal)[0]
