"""Compiled inner loops of the forecast (numba): decline curves and their robust fit, the change-of-regime
search, exponential smoothing's one-step errors and the drift's median slope.

Each is a short loop over one series of a few hundred points, run dozens of times per well and product.
In numpy every step of such a loop is a call with a fixed cost that dwarfs its arithmetic on so few
values; compiled, each loop costs microseconds (the README's forecast section has the figures).
The callers import this module on first use, so importing the forecast package does not load numba
(~0.5 s). ``cache=True``: machine code is compiled once per machine and kept beside this file (numba
falls back to the user's cache directory where that is read-only).

Curve kinds: ``HYPERBOLIC`` covers the exponential (b = 0) and harmonic (b = 1) fits too, ``MODIFIED`` is
the modified hyperbolic (terminal exponential decline after the switch).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

HYPERBOLIC = 0
MODIFIED = 1
B_EXPONENTIAL = 1e-6  # b below this is the exponential limit: the hyperbolic form divides by ~0 there


@njit(cache=True)
def _rate(kind: int, t: float, qi: float, di: float, b: float, d_terminal: float) -> float:
    if kind == MODIFIED:
        if b < B_EXPONENTIAL or di <= d_terminal or d_terminal <= 0.0:
            return qi * math.exp(-max(di, d_terminal) * t)
        t_switch = (di / d_terminal - 1.0) / (b * di)
        if t >= t_switch:
            q_switch = qi * math.exp(-math.log(1.0 + b * di * t_switch) / b)
            return q_switch * math.exp(-d_terminal * (t - t_switch))
    if b < B_EXPONENTIAL:
        return qi * math.exp(-di * t)
    # qi (1 + b di t)^(-1/b); log(1 + x) rather than log1p (twice as slow here), as precise as the power
    return qi * math.exp(-math.log(1.0 + b * di * t) / b)


@njit(cache=True)
def decline_curve(kind: int, t: np.ndarray, qi: float, di: float, b: float, d_terminal: float) -> np.ndarray:
    """Rates of one decline curve at times ``t`` (1-D)."""
    out = np.empty(len(t))
    for i in range(len(t)):
        out[i] = _rate(kind, t[i], qi, di, b, d_terminal)
    return out


@njit(cache=True)
def _evaluate(
    kind: int, tt: np.ndarray, q: np.ndarray, p: np.ndarray, scale: float, d_terminal: float, f_scale: float,
    soft_l1: bool, b_fixed: bool, r: np.ndarray, shape: np.ndarray, log_x: np.ndarray,
) -> float:  # fmt: skip
    """Residuals r = (rate - q) / scale at parameters p, and their cost (``_cost``); for the hyperbolic
    family also the unit curve ``shape`` = rate / qi and ``log_x`` = log(1 + b di t), which the Jacobian
    at an accepted p reuses (not needed when b is held: its derivative is not used, log_x is left 0).
    (Multiplications by inverses: a division costs several multiplications.)"""
    qi, di, b = p[0], p[1], p[2]
    inv_scale = 1.0 / scale
    n = len(tt)
    if kind != HYPERBOLIC:
        for i in range(n):
            r[i] = (_rate(kind, tt[i], qi, di, b, d_terminal) - q[i]) * inv_scale
    elif b < B_EXPONENTIAL:
        for i in range(n):
            log_x[i] = 0.0
            shape[i] = math.exp(-di * tt[i])
            r[i] = (qi * shape[i] - q[i]) * inv_scale
    elif b == 1.0 and b_fixed:  # the harmonic: 1 / (1 + di t), a division instead of a log and an exp
        for i in range(n):
            log_x[i] = 0.0
            shape[i] = 1.0 / (1.0 + di * tt[i])
            r[i] = (qi * shape[i] - q[i]) * inv_scale
    else:
        inv_b = 1.0 / b
        bdi = b * di
        for i in range(n):
            log_x[i] = math.log(1.0 + bdi * tt[i])  # as in _rate
            shape[i] = math.exp(-log_x[i] * inv_b)
            r[i] = (qi * shape[i] - q[i]) * inv_scale
    return _cost(r, f_scale, soft_l1)


@njit(cache=True)
def _jacobian(
    kind: int, tt: np.ndarray, p: np.ndarray, upper: np.ndarray, d_terminal: float, shape: np.ndarray,
    log_x: np.ndarray, jac: np.ndarray,
) -> None:  # fmt: skip
    """d(rate)/d(qi, di, b) at every time into jac (3, n): analytic for the hyperbolic family (from each
    point's unit curve and log(1 + b di t)), forward differences for the modified hyperbolic (its switch
    time moves with di and b), stepping down at an upper bound. One loop per kind, so the analytic one
    is a few multiplications per point (a branch on the kind inside it cost four times as much)."""
    qi, di, b = p[0], p[1], p[2]
    n = len(tt)
    if kind == HYPERBOLIC and b < B_EXPONENTIAL:  # the b -> 0 limit of the hyperbolic derivatives
        for i in range(n):
            jac[0, i] = shape[i]
            jac[1, i] = -qi * tt[i] * shape[i]
            jac[2, i] = qi * shape[i] * (di * tt[i]) ** 2 * 0.5
    elif kind == HYPERBOLIC:
        inv_b = 1.0 / b
        for i in range(n):
            inv_x = 1.0 / (1.0 + b * di * tt[i])
            jac[0, i] = shape[i]
            jac[1, i] = -qi * tt[i] * shape[i] * inv_x
            jac[2, i] = qi * shape[i] * inv_b * (log_x[i] * inv_b - di * tt[i] * inv_x)
    else:
        h0 = _difference_step(qi, upper[0])
        h1 = _difference_step(di, upper[1])
        h2 = _difference_step(b, upper[2])
        for i in range(n):
            base = _rate(kind, tt[i], qi, di, b, d_terminal)
            jac[0, i] = (_rate(kind, tt[i], qi + h0, di, b, d_terminal) - base) / h0
            jac[1, i] = (_rate(kind, tt[i], qi, di + h1, b, d_terminal) - base) / h1
            jac[2, i] = (_rate(kind, tt[i], qi, di, b + h2, d_terminal) - base) / h2


@njit(cache=True)
def _difference_step(value: float, upper: float) -> float:
    h = 1e-7 * max(abs(value), 1e-6)
    return -h if value + h > upper else h


@njit(cache=True)
def _cost(r: np.ndarray, f_scale: float, soft_l1: bool) -> float:
    """scipy's cost convention, 0.5 f^2 sum(rho((r/f)^2)), rho soft-L1 (2 (sqrt(1 + z) - 1)) or z."""
    total = 0.0
    inv_f = 1.0 / f_scale
    if soft_l1:
        for i in range(len(r)):
            z = r[i] * inv_f
            total += 2.0 * (math.sqrt(1.0 + z * z) - 1.0)
    else:
        for i in range(len(r)):
            z = r[i] * inv_f
            total += z * z
    return 0.5 * f_scale**2 * total


@njit(cache=True)
def _solve3(a: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, bool]:
    """Solve a 3x3 system by Gaussian elimination with partial pivoting; (x, False) when singular."""
    m = a.copy()
    v = rhs.copy()
    for col in range(3):
        pivot = col
        for row in range(col + 1, 3):
            if abs(m[row, col]) > abs(m[pivot, col]):
                pivot = row
        if m[pivot, col] == 0.0 or not np.isfinite(m[pivot, col]):
            return v, False
        if pivot != col:
            for k in range(3):
                m[col, k], m[pivot, k] = m[pivot, k], m[col, k]
            v[col], v[pivot] = v[pivot], v[col]
        for row in range(col + 1, 3):
            factor = m[row, col] / m[col, col]
            for k in range(col, 3):
                m[row, k] -= factor * m[col, k]
            v[row] -= factor * v[col]
    x = np.empty(3)
    for row in range(2, -1, -1):
        s = v[row]
        for k in range(row + 1, 3):
            s -= m[row, k] * x[k]
        x[row] = s / m[row, row]
    return x, True


@njit(cache=True)
def _fit_row(
    kind: int,
    tt: np.ndarray,
    q: np.ndarray,
    scale: float,
    f_scale: float,
    lower: np.ndarray,
    upper: np.ndarray,
    free: np.ndarray,
    x0: np.ndarray,
    soft_l1: bool,
    d_terminal: float,
    max_iter: int,
) -> tuple[np.ndarray, float]:
    n = len(tt)
    x = np.minimum(np.maximum(x0, lower), upper)
    r, shape, log_x = np.empty(n), np.empty(n), np.empty(n)
    r_new, shape_new, log_x_new = np.empty(n), np.empty(n), np.empty(n)
    jac = np.empty((3, n))
    cost = _evaluate(kind, tt, q, x, scale, d_terminal, f_scale, soft_l1, not free[2], r, shape, log_x)
    lam = 1e-3
    accepted = 0
    stale = True
    hess = np.zeros((3, 3))
    grad = np.zeros(3)
    h = np.zeros((3, 3))
    g = np.zeros(3)
    held = np.zeros(3, dtype=np.bool_)
    while True:
        if stale:
            # J'WJ and J'Wr, summed in locals.
            g0 = g1 = g2 = h00 = h01 = h02 = h11 = h12 = h22 = 0.0
            _jacobian(kind, tt, x, upper, d_terminal, shape, log_x, jac)
            inv_f = 1.0 / f_scale
            s0, s1, s2 = free[0] / scale, free[1] / scale, free[2] / scale  # 0 for a held b
            for i in range(n):
                weight = 1.0 / math.sqrt(1.0 + (r[i] * inv_f) ** 2) if soft_l1 else 1.0
                j0, j1, j2 = jac[0, i] * s0, jac[1, i] * s1, jac[2, i] * s2
                wr = weight * r[i]
                g0 += j0 * wr
                g1 += j1 * wr
                g2 += j2 * wr
                h00 += weight * j0 * j0
                h01 += weight * j0 * j1
                h02 += weight * j0 * j2
                h11 += weight * j1 * j1
                h12 += weight * j1 * j2
                h22 += weight * j2 * j2
            g[0], g[1], g[2] = g0, g1, g2
            h[0, 0], h[0, 1], h[0, 2] = h00, h01, h02
            h[1, 0], h[1, 1], h[1, 2] = h01, h11, h12
            h[2, 0], h[2, 1], h[2, 2] = h02, h12, h22
            # Held this step: a fixed b, and a parameter on a bound that the gradient pushes further out
            # (a step computed as if it could move, then clipped, crawls along the bound for a hundred
            # iterations). A held parameter gets unit curvature and no gradient: its step is exactly zero.
            for a in range(3):
                held[a] = (not free[a]) or (x[a] <= lower[a] and g[a] > 0.0) or (x[a] >= upper[a] and g[a] < 0.0)
            for a in range(3):
                grad[a] = 0.0 if held[a] else g[a]
                for c in range(3):
                    hess[a, c] = 0.0 if (held[a] or held[c]) else h[a, c]
                if held[a]:
                    hess[a, a] = 1.0
            stale = False
        damped = hess.copy()
        for a in range(3):
            damped[a, a] += lam * max(hess[a, a], 1e-300)
        step, solved = _solve3(damped, -grad)
        x_new = np.minimum(np.maximum(x + step, lower), upper) if solved else x.copy()
        cost_new = _evaluate(
            kind, tt, q, x_new, scale, d_terminal, f_scale, soft_l1, not free[2], r_new, shape_new, log_x_new
        )
        if solved and np.isfinite(cost_new) and cost_new <= cost:
            converged = cost - cost_new <= 1e-6 * max(cost, 1e-300)
            if not converged:
                converged = True
                for a in range(3):
                    if abs(x_new[a] - x[a]) > 1e-6 * max(abs(x[a]), 1e-12):
                        converged = False
            x, cost = x_new, cost_new
            r, r_new = r_new, r
            shape, shape_new = shape_new, shape
            log_x, log_x_new = log_x_new, log_x
            lam = max(lam / 10.0, 1e-12)
            accepted += 1
            stale = True
            if converged or accepted >= max_iter:
                break
        else:
            lam *= 10.0
            if lam >= 1e12:  # no damping makes a step that lowers the cost: done
                break
    return x, cost


@njit(cache=True)
def fit_rows(
    kind: int,
    tt: np.ndarray,
    q: np.ndarray,
    n_points: np.ndarray,
    scale: np.ndarray,
    f_scale: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    free: np.ndarray,
    x0: np.ndarray,
    soft_l1: bool,
    d_terminal: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Levenberg–Marquardt on iteratively reweighted residuals, steps projected onto the bounds, for every
    row of the padded (K, N) windows ``tt``/``q`` (row i uses its first ``n_points[i]`` points).

    Residuals are (rate - q) / scale; for soft-L1 the weight of a residual r is 1/sqrt(1 + (r/f)^2), the
    reweighting that makes least squares minimise the soft-L1 cost; Marquardt's diagonal scaling copes
    with qi ~ 1e3 next to di ~ 1e-3. ``free[i, j]`` False holds parameter j of row i at its start (a fixed
    b). Returns (x, cost) per row, cost in scipy's convention.
    """
    k = len(x0)
    x = np.empty((k, 3))
    cost = np.empty(k)
    for i in range(k):
        m = n_points[i]
        x[i], cost[i] = _fit_row(
            kind, tt[i, :m], q[i, :m], scale[i], f_scale[i], lower[i], upper[i], free[i], x0[i], soft_l1, d_terminal,
            max_iter,
        )  # fmt: skip
    return x, cost


@njit(cache=True)
def _quadratic_sse(m: np.ndarray, zm: np.ndarray, z2: float) -> float:
    """Squared error of the least-squares quadratic with moments m (sum u^0..u^4), zm (sum z u^0..u^2)
    and z2 (sum z^2): z2 - zm' G^-1 zm with G the 3x3 Gram matrix, by its Cholesky factor, inline (this
    runs twice per split). A tiny ridge keeps empty and one-point segments solvable."""
    ridge = 1e-9
    l11 = math.sqrt(m[0] + ridge)
    l21 = m[1] / l11
    l31 = m[2] / l11
    d22 = m[2] + ridge - l21 * l21
    if d22 <= 0.0:
        return z2
    l22 = math.sqrt(d22)
    l32 = (m[3] - l31 * l21) / l22
    d33 = m[4] + ridge - l31 * l31 - l32 * l32
    if d33 <= 0.0:
        return z2
    l33 = math.sqrt(d33)
    w1 = zm[0] / l11
    w2 = (zm[1] - l21 * w1) / l22
    w3 = (zm[2] - l31 * w1 - l32 * w2) / l33
    return z2 - (w1 * w1 + w2 * w2 + w3 * w3)


@njit(cache=True)
def segment_sse(u: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every k: the squared error of a quadratic through z[:k] (left) and through z[k:] (right),
    from prefix sums of u^0..u^4 and z u^0..u^2, so all splits cost one pass."""
    n = len(u)
    moments = np.zeros((n + 1, 5))
    zmom = np.zeros((n + 1, 3))
    zz = np.zeros(n + 1)
    for i in range(n):
        power = 1.0
        for p in range(5):
            moments[i + 1, p] = moments[i, p] + power
            if p < 3:
                zmom[i + 1, p] = zmom[i, p] + power * z[i]
            power *= u[i]
        zz[i + 1] = zz[i] + z[i] * z[i]
    left = np.empty(n + 1)
    right = np.empty(n + 1)
    rest_m = np.empty(5)
    rest_z = np.empty(3)
    for k in range(n + 1):
        left[k] = _quadratic_sse(moments[k], zmom[k], zz[k])
        for p in range(5):
            rest_m[p] = moments[n, p] - moments[k, p]
        for p in range(3):
            rest_z[p] = zmom[n, p] - zmom[k, p]
        right[k] = _quadratic_sse(rest_m, rest_z, zz[n] - zz[k])
    return left, right


@njit(cache=True)
def ses_errors(y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Sum of squared one-step errors of simple exponential smoothing for each alpha: the level starts at
    y[0] and moves by alpha times each error, l_t = l_(t-1) + alpha (y_t - l_(t-1))."""
    out = np.empty(len(alphas))
    for a in range(len(alphas)):
        level = y[0]
        total = 0.0
        for i in range(1, len(y)):
            error = y[i] - level
            total += error * error
            level += alphas[a] * error
        out[a] = total
    return out


@njit(cache=True)
def ses_level(y: np.ndarray, alpha: float) -> float:
    """The smoothed level after the last value (same recursion as ``ses_errors``)."""
    level = y[0]
    for i in range(1, len(y)):
        level += alpha * (y[i] - level)
    return level


@njit(cache=True)
def median_pairwise_slope(t: np.ndarray, y: np.ndarray) -> float:
    """Median of (y_j - y_i) / (t_j - t_i) over all pairs i < j with t_j > t_i (0 if there are none)."""
    n = len(t)
    slopes = np.empty(n * (n - 1) // 2)
    count = 0
    for i in range(n):
        for j in range(i + 1, n):
            dt = t[j] - t[i]
            if dt > 0.0:
                slopes[count] = (y[j] - y[i]) / dt
                count += 1
    return np.median(slopes[:count]) if count else 0.0


@njit(cache=True)
def grid_best(
    table: np.ndarray,
    idx: np.ndarray,
    n_inside: np.ndarray,
    q: np.ndarray,
    q_hi: np.ndarray,
    inv_scale: np.ndarray,
    soft_l1: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """For every row k, the unit-curve shape (a column of ``table``) that fits it best and its level.

    Row k's points are ``q[k, :n_inside[k]]`` with their unit curves at ``table[idx[k, m]]``; each shape's
    level is its closed-form least-squares qi (clipped to [1e-9, q_hi[k]]) and its cost the soft-L1 (or
    squared) residual scaled by ``inv_scale[k]``. Returns (best shape, its qi) per row; the loops over
    shapes are contiguous, so they vectorise.
    """
    rows, shapes = idx.shape[0], table.shape[1]
    best = np.empty(rows, np.int64)
    best_qi = np.empty(rows)
    num, den, qi, cost = np.empty(shapes), np.empty(shapes), np.empty(shapes), np.empty(shapes)
    for k in range(rows):
        num[:] = 0.0
        den[:] = 0.0
        cost[:] = 0.0
        for m in range(n_inside[k]):
            g = table[idx[k, m]]
            qm = q[k, m]
            for s in range(shapes):
                num[s] += qm * g[s]
                den[s] += g[s] * g[s]
        for s in range(shapes):
            qi[s] = min(max(num[s] / max(den[s], 1e-300), 1e-9), q_hi[k])
        c = inv_scale[k]
        for m in range(n_inside[k]):
            g = table[idx[k, m]]
            qm = q[k, m]
            if soft_l1:  # soft-L1 up to its constants: 2 (sqrt(1 + z) - 1)
                for s in range(shapes):
                    z = (qi[s] * g[s] - qm) * c
                    cost[s] += math.sqrt(1.0 + z * z)
            else:
                for s in range(shapes):
                    z = (qi[s] * g[s] - qm) * c
                    cost[s] += z * z
        chosen = 0
        for s in range(1, shapes):
            if cost[s] < cost[chosen]:
                chosen = s
        best[k] = chosen
        best_qi[k] = qi[chosen]
    return best, best_qi


@njit(cache=True)
def log_change_mad(q: np.ndarray) -> float:
    """Median absolute deviation of the day-to-day changes of log q over the positive values of q (NaN
    with fewer than 3 of them)."""
    pos = q[q > 0.0]
    if len(pos) < 3:
        return np.nan
    changes = np.empty(len(pos) - 1)
    previous = math.log(pos[0])
    for i in range(1, len(pos)):
        current = math.log(pos[i])
        changes[i - 1] = current - previous
        previous = current
    return np.median(np.abs(changes - np.median(changes)))
