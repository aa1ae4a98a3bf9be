"""P10/P50/P90 bands from empirical forecast errors.

The band is built from the errors the same model made at earlier origins in the training history
(rolling h-step errors), measured in log1p space: rate errors are multiplicative, and log1p keeps a zero
rate finite. Quantiles are pooled by lead-time bucket, then forced to widen with lead time. When there
are too few errors the band falls back to the series' own day-to-day noise growing with sqrt(lead), so
a band always exists: never NaN, never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

# Lead-time buckets (days, or months for monthly series): errors a week out and a quarter out differ.
LEAD_EDGES = (1, 8, 31, 91, 181, 366, 10**9)
MIN_ERRORS_PER_BUCKET = 20
Z90 = 1.2816  # standard-normal 90th percentile, for the noise-based fallback


@dataclass(frozen=True)
class LogErrorQuantiles:
    """Per-lead quantiles (P10, P50, P90) of log1p(actual) - log1p(forecast)."""

    lead: np.ndarray  # 1..H
    q10: np.ndarray
    q50: np.ndarray
    q90: np.ndarray
    n_errors: int
    source: str  # "empirical" or "noise_fallback"


def fallback_quantiles(horizon: int, noise: float) -> LogErrorQuantiles:
    """Symmetric log band growing like a random walk: used when the model has no error history."""
    lead = np.arange(1, horizon + 1, dtype=float)
    # Inflate: a random walk from day-to-day noise understates level shifts, and a too-wide band is the
    # honest failure mode when nothing was measured.
    width = Z90 * max(noise, 0.02) * np.sqrt(lead) * 1.5 + 0.05
    return LogErrorQuantiles(lead.astype(int), -width, np.zeros(horizon), width, 0, "noise_fallback")


def empirical_quantiles(
    lead: np.ndarray, log_errors: np.ndarray, horizon: int, noise: float, levels: tuple[float, float] = (0.1, 0.9)
) -> LogErrorQuantiles:
    """Quantiles of ``log_errors`` observed at ``lead`` (1-based), for leads 1..``horizon``.

    Buckets with fewer than ``MIN_ERRORS_PER_BUCKET`` errors borrow the errors of all shorter leads too,
    and if even that is too few the noise fallback is used for that lead.
    """
    ok = np.isfinite(log_errors) & np.isfinite(lead)
    lead, log_errors = np.asarray(lead)[ok], np.asarray(log_errors)[ok]
    fb = fallback_quantiles(horizon, noise)
    if len(log_errors) < MIN_ERRORS_PER_BUCKET:
        return fb
    q10, q50, q90 = fb.q10.copy(), fb.q50.copy(), fb.q90.copy()
    leads = np.arange(1, horizon + 1)
    for lo, hi in pairwise(LEAD_EDGES):
        in_bucket = (leads >= lo) & (leads < hi)
        if not in_bucket.any():
            continue
        sel = (lead >= lo) & (lead < hi)
        if sel.sum() < MIN_ERRORS_PER_BUCKET:
            sel = lead < hi
        if sel.sum() < MIN_ERRORS_PER_BUCKET:
            continue
        lo_q, mid_q, hi_q = np.quantile(log_errors[sel], [levels[0], 0.5, levels[1]])
        q10[in_bucket], q50[in_bucket], q90[in_bucket] = lo_q, mid_q, hi_q
    # Uncertainty cannot shrink with lead time; sampling noise between buckets can make it look so.
    q90 = np.maximum.accumulate(np.maximum(q90, 0.0))
    q10 = np.minimum.accumulate(np.minimum(q10, 0.0))
    return LogErrorQuantiles(leads, q10, q50, q90, len(log_errors), "empirical")


def apply_band(p50: np.ndarray, quantiles: LogErrorQuantiles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P10, P50, P90 in rate units from a point forecast and log1p error quantiles (same length)."""
    p50 = np.nan_to_num(np.asarray(p50, float), nan=0.0, posinf=0.0).clip(min=0.0)
    n = len(p50)
    base = np.log1p(p50)
    p10 = np.expm1(base + quantiles.q10[:n]).clip(min=0.0)
    p90 = np.expm1(base + quantiles.q90[:n]).clip(min=0.0)
    return np.minimum(p10, p50), p50, np.maximum(p90, p50)
