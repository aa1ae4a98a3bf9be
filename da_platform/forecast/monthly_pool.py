"""The medium-term forecast: a median of four forecasts, with a band no narrower than other series' errors.

Two things a single monthly series cannot learn alone, measured on the Sodir backtest
(``monthly_backtest.py``, 103 oil and 91 gas fields, 6 origins each):

- **Which forecast to trust.** The per-series pick by inner-origin error is noisy on a few dozen monthly
  points: at 12 months it scored MASE 1.10 on oil against naive's 1.08. The median of the pick, naive,
  AutoETS and the monthly Arps fit scores 1.02 (gas 1.29 → 1.24), and it beat the pick on each half of
  the fields and on origins before and after 2005 alike.
- **How wide the band is.** A series' own inner origins give a handful of errors per lead; its P10–P90
  band covered 69–70 % of the months at 12 months (target 75–85 %). The band here is the union of that
  own band and the quantiles of the log errors the same method made on *every* series of the pool whose
  target month is on or before the origin (``PooledLogErrors.quantiles_as_of``), so it stays honest:
  only errors known at the origin. The union covered 81–82 %.

The combination is the same function for the backtest and for ``forecast_monthly``; only a backtest
has a pool of earlier windows to widen the band with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from da_platform.forecast.select import RateForecast

# The forecasts the medium-term median is taken over ("selected" is the per-series pick by inner error).
COMBINED_MEMBERS = ("selected", "naive", "auto_ets", "arps_hyperbolic")
# Fewer errors than this at a lead (too few earlier windows in the pool): the own band stands alone.
MIN_POOLED_ERRORS = 30
_NOT_COMBINED = ("shut_in", "insufficient_history")


def combined_forecast(
    forecasts: Mapping[str, RateForecast], members: tuple[str, ...] = COMBINED_MEMBERS
) -> RateForecast:
    """The median of ``members``' P50 (those present), with the pick's own band moved onto it in log1p
    space (the band keeps its relative width). A shut-in or too-short series keeps its defined outcome."""
    chosen = forecasts["selected"]
    if chosen.status in _NOT_COMBINED:
        return chosen
    present = [m for m in members if m in forecasts]
    p50 = np.median([forecasts[m].p50 for m in present], axis=0)
    shift = np.log1p(p50) - np.log1p(chosen.p50)
    p10 = np.minimum(np.expm1(np.log1p(chosen.p10) + shift).clip(min=0.0), p50)
    p90 = np.maximum(np.expm1(np.log1p(chosen.p90) + shift), p50)
    names = [chosen.model if m == "selected" else m for m in present]
    return replace(chosen, model="median(" + ", ".join(names) + ")", p10=p10, p50=p50, p90=p90)


@dataclass(frozen=True)
class PooledLogErrors:
    """log1p(actual) − log1p(P50) of a method's forecasts on many series, with the month each error became
    known (its origin + lead), so a forecast made at an origin can use exactly the errors known by then."""

    lead: np.ndarray  # months ahead, 1-based
    known_at: np.ndarray  # month index of the forecast month (origin + lead)
    error: np.ndarray

    @classmethod
    def of(cls, windows: Iterable[tuple[float, np.ndarray, np.ndarray]]) -> PooledLogErrors:
        """From ``(origin month, actual per lead, P50 per lead)`` windows; months without an actual are skipped."""
        leads, known, errors = [], [], []
        for origin, actual, p50 in windows:
            actual, p50 = np.asarray(actual, float), np.asarray(p50, float)
            lead = np.arange(1, len(actual) + 1)
            ok = np.isfinite(actual) & np.isfinite(p50)
            leads.append(lead[ok])
            known.append(origin + lead[ok])
            errors.append(np.log1p(np.maximum(actual[ok], 0.0)) - np.log1p(np.maximum(p50[ok], 0.0)))
        if not errors:
            return cls(np.zeros(0, int), np.zeros(0), np.zeros(0))
        return cls(np.concatenate(leads), np.concatenate(known).astype(float), np.concatenate(errors))

    def quantiles_as_of(self, as_of: float, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Per lead 1..``horizon``: the P10 and P90 of the errors known on or before month ``as_of`` (NaN
        where there are fewer than ``MIN_POOLED_ERRORS``)."""
        q10, q90 = np.full(horizon, np.nan), np.full(horizon, np.nan)
        known = self.known_at <= as_of
        for k in range(horizon):
            errors = self.error[known & (self.lead == k + 1)]
            if len(errors) >= MIN_POOLED_ERRORS:
                q10[k], q90[k] = np.quantile(errors, [0.1, 0.9])
        return q10, q90


def widened(
    p10: np.ndarray, p50: np.ndarray, p90: np.ndarray, q10: np.ndarray, q90: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The union of a band and the pooled log-error band around the same P50 (a NaN quantile: no widening)."""
    base = np.log1p(np.maximum(p50, 0.0))
    low = np.expm1(base + np.minimum(np.nan_to_num(q10, nan=0.0), 0.0)).clip(min=0.0)
    high = np.expm1(base + np.maximum(np.nan_to_num(q90, nan=0.0), 0.0))
    return np.minimum(p10, low), np.maximum(p90, high)
