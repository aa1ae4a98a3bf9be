"""The last change of regime in a rate series: where a decline fit should start.

A well's rate history is a run of segments (a choke change, a workover, water breakthrough, a new
compressor) and a decline curve fitted across a change describes neither side. Each segment is taken as
a quadratic in log rate (a decline with its curvature); a split is kept when it lowers the two-segment
squared error by more than a BIC-style penalty measured in the series' own day-to-day noise.
Binary segmentation, repeated on the part after each accepted split, finds the most recent change.
"""

from __future__ import annotations

import numpy as np

from da_platform.forecast.decline import noise_scale

MIN_SEGMENT = 30  # points on each side of a split: fewer cannot tell a new trend from noise
PENALTY_FACTOR = 6.0  # x log(n) x noise^2 per extra segment (slope, level and the split itself)


def _segment_sse(t: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared error of a least-squares quadratic through z[:k] and through z[k:], for every k.

    From prefix sums of t^0..t^4 and z t^0..t^2, so all splits cost one pass; a quadratic in log rate
    follows a hyperbolic decline's curvature, so a smooth decline is not mistaken for a change.
    """
    from da_platform.forecast import kernels  # numba loads on first use, not on import

    scale = max(float(t[-1] - t[0]), 1.0)
    u = (t - t[0]) / scale  # 0..1 keeps the normal equations well conditioned
    return kernels.segment_sse(np.ascontiguousarray(u), np.ascontiguousarray(z))


def last_change_index(t: np.ndarray, y: np.ndarray) -> int:
    """Index of the first point of the most recent regime in (t, y) (0 when there is no change).

    Only positive rates count; a change needs ``MIN_SEGMENT`` points on each side.
    """
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    pos = np.flatnonzero(y > 0)
    if len(pos) < 2 * MIN_SEGMENT:
        return 0
    tt, z = t[pos], np.log(y[pos])
    sigma = noise_scale(y[pos]) * np.sqrt(2.0)  # noise of one log value, not of a day-to-day difference
    start = 0
    while len(z) - start >= 2 * MIN_SEGMENT:
        left, right = _segment_sse(tt[start:], z[start:])
        n = len(z) - start
        whole = left[n]
        splits = np.arange(MIN_SEGMENT, n - MIN_SEGMENT + 1)
        gain = whole - (left[splits] + right[splits])
        best = int(np.argmax(gain))
        if gain[best] <= PENALTY_FACTOR * np.log(n) * sigma**2:
            break
        start += int(splits[best])
    return int(pos[start]) if start else 0
