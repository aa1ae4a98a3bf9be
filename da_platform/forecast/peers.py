"""Well-known statistical peers, scored by the backtest next to the chosen method and never selected.

They are the side-by-side a reader asks for first ("does it beat Theta / ARIMA / a combination?"):

- ``dotm``: DynamicOptimizedTheta on the whole producing-day history;
- ``log_arima``: AutoARIMA on log(1 + rate), restricted (p, q <= 2, d <= 1, no season, stepwise with the
  approximate likelihood) to the last ``arima_window`` points, so one fit stays well under a second;
- ``scum``: the median of AutoETS, AutoCES, the log-ARIMA and DOTM (Petropoulos & Svetunkov's SCUM
  combination); its band is the median of the members' 80 % intervals.

Each peer forecasts the regularly spaced producing-day series (gaps closed up, as the baselines see it)
and gives its own 80 % prediction interval as P10–P90. statsforecast is imported on first use.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from da_platform.forecast.statistical import MIN_POINTS

PEERS = ("dotm", "log_arima", "scum")


@dataclass(frozen=True)
class PeerForecast:
    """Point forecast and 80 % interval of one peer (``status`` "ok", or "failed" with the reason)."""

    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    status: str = "ok"
    reason: str = ""


def _interval(model, y: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out = model.forecast(y=y, h=h, level=[80])
    return np.asarray(out["lo-80"], float), np.asarray(out["mean"], float), np.asarray(out["hi-80"], float)


def peer_forecasts(
    y: np.ndarray, horizon: int, names: tuple[str, ...] = PEERS, arima_window: int = 730
) -> dict[str, PeerForecast]:
    """Forecast the next ``horizon`` producing points of ``y`` with each peer in ``names``.

    Never raises: a series shorter than the models need, or a fit that fails, gives that peer a flat
    forecast at the last value with status "failed" and the reason, so every window is still scored.
    Forecasts are floored at zero (a rate cannot be negative).
    """
    if not names:
        return {}
    from statsforecast.models import AutoARIMA, AutoCES, AutoETS, DynamicOptimizedTheta

    y = np.asarray(y, float)
    y = y[np.isfinite(y) & (y >= 0)]
    flat = np.full(horizon, float(y[-1]) if len(y) else 0.0)
    if len(y) < MIN_POINTS:
        reason = f"{len(y)} points; the peers need at least {MIN_POINTS}"
        return {n: PeerForecast(flat, flat, flat, "failed", reason) for n in names}
    need = set(names)
    if "scum" in need:
        need |= {"dotm", "log_arima", "ets", "ces"}
    fits: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray] | str] = {}
    makers = {
        "dotm": lambda: _interval(DynamicOptimizedTheta(season_length=1), y, horizon),
        "log_arima": lambda: tuple(
            np.expm1(v)
            for v in _interval(
                AutoARIMA(max_p=2, max_q=2, max_d=1, seasonal=False, stepwise=True, approximation=True),
                np.log1p(y[-arima_window:]),
                horizon,
            )
        ),
        "ets": lambda: _interval(AutoETS(season_length=1), y[-arima_window:], horizon),
        "ces": lambda: _interval(AutoCES(season_length=1), y[-arima_window:], horizon),
    }
    for name in sorted(need - {"scum"}):
        try:
            with warnings.catch_warnings():  # ARIMA's convergence notes: the forecast is scored regardless
                warnings.simplefilter("ignore")
                parts = makers[name]()
            if not all(np.all(np.isfinite(p)) for p in parts):
                raise ValueError("non-finite forecast")
            fits[name] = parts
        except Exception as exc:
            fits[name] = f"{type(exc).__name__}: {exc}"[:200]
    out: dict[str, PeerForecast] = {}
    for name in names:
        if name == "scum":
            members = [fits[m] for m in ("ets", "ces", "log_arima", "dotm") if not isinstance(fits[m], str)]
            if not members:
                out[name] = PeerForecast(flat, flat, flat, "failed", "every SCUM member failed")
                continue
            lo, mid, hi = (np.median(np.stack([m[i] for m in members]), axis=0) for i in range(3))
        elif isinstance(fits[name], str):
            out[name] = PeerForecast(flat, flat, flat, "failed", str(fits[name]))
            continue
        else:
            lo, mid, hi = fits[name]  # type: ignore[misc]
        lo, mid, hi = (np.maximum(v, 0.0) for v in (lo, mid, hi))
        out[name] = PeerForecast(np.minimum(lo, mid), mid, np.maximum(hi, mid))
    return out
