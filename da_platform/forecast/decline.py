"""Arps decline curves and a bounded, robust fit.

Rates are in Sm3/d, time ``t`` in days (or months, for monthly series) since the start of the fit window,
decline ``di`` is the nominal initial decline per time unit. Daily well data carries shut-in-like dips
(partial days scaled to 24 h, choke backs) and plain least squares lets those dips drag the curve and push
the ``b`` exponent onto its bound; a soft-L1 loss on relative residuals, with a scale taken from the
data's own day-to-day noise, treats them as outliers instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np

DeclineModel = Literal["exponential", "hyperbolic", "harmonic", "modified_hyperbolic"]
DECLINE_MODELS: tuple[DeclineModel, ...] = ("exponential", "hyperbolic", "harmonic", "modified_hyperbolic")
B_MAX = 2.0
DI_MAX = 1.0  # per time unit: 100 %/day nominal is already far beyond any real well
# Default terminal decline of the modified hyperbolic: 8 %/yr nominal, expressed per day.
DEFAULT_D_TERMINAL = 0.08 / 365.25


def _curve(kind: str, t: np.ndarray, qi: float, di: float, b: float, d_terminal: float = 0.0) -> np.ndarray:
    """One implementation of the curves for fitting and forecasting alike (``kernels.decline_curve``)."""
    from da_platform.forecast import kernels  # numba loads on first use, not on import

    t = np.asarray(t, float)
    code = kernels.MODIFIED if kind == "modified" else kernels.HYPERBOLIC
    return kernels.decline_curve(code, t.ravel(), float(qi), float(di), float(b), float(d_terminal)).reshape(t.shape)


def exponential(t: np.ndarray, qi: float, di: float) -> np.ndarray:
    return _curve("hyperbolic", t, qi, di, 0.0)


def hyperbolic(t: np.ndarray, qi: float, di: float, b: float) -> np.ndarray:
    # b -> 0 is the exponential limit (b < 1e-6 is evaluated as the exponential: the hyperbolic form
    # divides by ~0 there).
    return _curve("hyperbolic", t, qi, di, b)


def harmonic(t: np.ndarray, qi: float, di: float) -> np.ndarray:
    return _curve("hyperbolic", t, qi, di, 1.0)


def modified_hyperbolic(t: np.ndarray, qi: float, di: float, b: float, d_terminal: float) -> np.ndarray:
    """Hyperbolic until the instantaneous decline di/(1 + b di t) falls to ``d_terminal``, exponential after.

    The switch keeps b > 1 fits from promising unbounded reserves in long forecasts.
    """
    return _curve("modified", t, qi, di, b, d_terminal)


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
    from da_platform.forecast import kernels  # numba loads on first use, not on import

    mad = kernels.log_change_mad(np.asarray(q, float))
    if not np.isfinite(mad):  # fewer than 3 positive rates
        return 0.1
    return float(max(1.4826 * mad / np.sqrt(2.0), 0.01))


# Coarse grid for the starting point: nominal decline spaced in log over its range, b over [0, B_MAX].
_DI_GRID = np.concatenate([[0.0], np.geomspace(1e-5, DI_MAX, 31)])
_B_GRID = np.linspace(0.0, B_MAX, 9)
MAX_ITERATIONS = 100  # accepted Levenberg–Marquardt steps per fit; fits here converge in 5 to 10
GRID_POINTS = 80  # the start is picked on every (n // 80)-th point: 80 to 159 of a longer window's points
_FIXED_B: dict[str, float] = {"exponential": 0.0, "harmonic": 1.0}


class _Windows:
    """Several fit windows padded into (K, N) arrays, one row each, with the per-row constants of the fit.

    Row i uses its first ``n_points[i]`` values, so every row is fitted exactly as it would be alone; the
    grid start scores all rows in one pass and the compiled optimiser (``kernels.fit_rows``) walks them
    in one call (a well's forecast fits ~27 windows: 8 inner origins and the final one, 3 models each).
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

    qi enters the curve linearly, so only the shape (di, b) needs searching; one pass over a few hundred
    shapes (``kernels.grid_best``) puts the optimiser in the right basin, where several starts used to be
    needed.
    A start only has to land in the right basin: every k-th point of a long window (``GRID_POINTS`` up
    to twice that many) is enough for that.
    """
    from da_platform.forecast import kernels  # numba loads on first use, not on import

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
        q = np.take_along_axis(w.q[rows], idx, axis=1)
        # Daily and monthly windows sit on whole time units: the curves are evaluated once per unit
        # offset and looked up, instead of once per row and point.
        whole = np.array_equal(tt, np.round(tt)) and tt.max() <= 100_000
        if whole:
            # (rounded up, so windows of slightly different lengths share one table)
            table = _shape_table(tuple(b_values), 512 * (int(tt.max()) // 512 + 1))
            at_table = tt.astype(np.int64)
        else:  # every row and point gets its own line of curves
            table = np.moveaxis(_unit_shapes(tt, di_grid, b_grid), 0, -1).reshape(-1, len(di_grid))
            at_table = np.arange(tt.size, dtype=np.int64).reshape(tt.shape)
        best, qi = kernels.grid_best(
            table,
            at_table,
            inside.sum(axis=1),
            np.ascontiguousarray(q),
            w.upper[rows, 0],
            1.0 / (w.scale[rows] * w.f_scale[rows]),
            w.loss != "linear",
        )
        x0[rows] = np.column_stack([qi, di_grid[best], b_grid[best]])
    return x0


def fit_arps_many(
    windows: list[tuple[np.ndarray, np.ndarray]],
    models: list[DeclineModel],
    *,
    loss: str = "soft_l1",
    d_terminal: float = DEFAULT_D_TERMINAL,
) -> list[ArpsFit]:
    """``fit_arps`` of every (t, q) window with its model, fitted together (the same results as one at a
    time: the grid start scores all windows in one numpy pass, then the compiled optimiser fits each)."""
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
    from da_platform.forecast import kernels  # numba loads on first use, not on import

    fits: list[ArpsFit | None] = [None] * len(models)
    # The modified hyperbolic's switch time moves with di and b (a numeric Jacobian): its rows are fitted
    # apart from the analytic family.
    for modified in (False, True):
        idx = [i for i, m in enumerate(models) if (m == "modified_hyperbolic") == modified]
        if not idx:
            continue
        w = _Windows(distinct, [source[i] for i in idx], [models[i] for i in idx], loss)
        x, cost = kernels.fit_rows(
            kernels.MODIFIED if modified else kernels.HYPERBOLIC,
            w.tt,
            w.q,
            w.n_points,
            w.scale,
            w.f_scale,
            w.lower,
            w.upper,
            w.free,
            _grid_start(w),
            loss == "soft_l1",
            d_terminal,
            MAX_ITERATIONS,
        )
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
