"""Fan charts people can look at: history, P50 and the P10–P90 band of one well's forecast."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from da_platform.forecast.select import ForecastResult
from da_platform.forecast.series import DailySeries

HISTORY_DAYS = 365


def fan_chart(series: DailySeries, result: ForecastResult, path: Path | None = None) -> bytes:
    """Draw the last year of producing-day rates and the forecast band; return PNG bytes (or write
    PNG/SVG to ``path``, chosen by its suffix)."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=100)
    keep = slice(max(0, len(series.dates) - HISTORY_DAYS), None)
    dates, rate = series.dates[keep], series.rate[keep]
    producing = np.isfinite(rate)
    ax.plot(dates[producing], rate[producing], ".", ms=2.5, color="#4a4a4a", label="rate on producing days")
    points = result.points
    if points.height:
        future = points["date"].to_numpy()
        ax.fill_between(
            future, points["p10"].to_numpy(), points["p90"].to_numpy(), color="#f4a261", alpha=0.35, label="P10–P90"
        )
        ax.plot(future, points["p50"].to_numpy(), color="#e76f51", lw=1.8, label="P50")
    ax.set_title(f"{result.well_id} · {result.product} · model {result.model} ({result.status})", fontsize=10)
    ax.set_ylabel(f"{result.product} Sm3/d")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format=path.suffix.lstrip(".").lower() or "png")
    plt.close(fig)
    return buffer.getvalue()
