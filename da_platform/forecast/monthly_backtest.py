"""The medium-term (3, 6 and 12 month) rolling-origin backtest on monthly series: Sodir fields and wells.

Per series (a field's or a well's oil or gas), cut-offs are spread evenly over every month that has at
least ``min_history`` producing months before it and 12 months of record after it. At each cut-off the
monthly candidates, selection and bands of ``monthly.py`` see only the months up to it (``MONTHLY_CONFIG``);
the pool's ``arps_hyperbolic`` (a hyperbolic decline fitted on the monthly points from the latest change
of regime in a 3-year window) and ``auto_ets`` are scored from the same run, and naive is added. The
chosen forecast (``selected``) is their median with the per-series pick (``inner_pick``, scored beside it),
its band widened by the errors of every series' earlier windows (``monthly_pool``): every window of a
source and product is forecast first, then each band is pooled as of its own origin.

Scored per window, on the calendar-day rate of each month (volume / days in the month, so February's
length is not an error): MASE with the plain one-step naive scale (``mase``) and with the seasonal
12-month naive scale (``mase_seasonal``), both from the training months; P10–P90 coverage. A well's
forecast is rate per on-stream day x its recent uptime, as ``forecast_monthly`` makes it; a field total
has no uptime of its own (1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from da_platform.forecast.metrics import coverage, naive_scale
from da_platform.forecast.monthly import MIN_ON_STREAM_DAYS, MONTHLY_CONFIG, _days_in_month, monthly_from_daily
from da_platform.forecast.monthly_pool import COMBINED_MEMBERS, PooledLogErrors, combined_forecast, widened
from da_platform.forecast.select import ForecastConfig, forecast_rate_candidates
from da_platform.forecast.series import NotAProducerError, daily_series

HORIZONS_MONTHS = (3, 6, 12)
BENCHMARKS = ("naive", "auto_ets", "arps_hyperbolic")
PRODUCTS = {"oil": ("oil_mill_sm3", 1e6), "gas": ("gas_bill_sm3", 1e9)}
WINDOW_SCHEMA = {
    "source": pl.String(),
    "series_id": pl.String(),
    "product": pl.String(),
    "origin_month": pl.Int64(),
    "horizon_months": pl.Int64(),
    "model": pl.String(),
    "mase": pl.Float64(),
    "mase_seasonal": pl.Float64(),
    "coverage_p10_p90": pl.Float64(),
}


@dataclass(frozen=True)
class MonthlyBacktestConfig:
    """Cut-offs per series, the history a cut-off needs and the forecast settings (months as the unit)."""

    horizons: tuple[int, ...] = HORIZONS_MONTHS
    origins_per_series: int = 6
    min_history: int = 36  # producing months before a cut-off
    forecast: ForecastConfig = MONTHLY_CONFIG
    benchmarks: tuple[str, ...] = BENCHMARKS


def sodir_sample_path() -> Path:
    """The bundled compact copy of the Sodir monthly field table (see sample_data/NOTICE)."""
    return Path(str(resources.files("da_platform") / "sample_data" / "sodir" / "sodir_field_production_monthly.csv.gz"))


def read_sodir_monthly(path: Path) -> pl.DataFrame:
    """Sodir monthly field production as field, month_index (year x 12 + month - 1), oil_sm3, gas_sm3.

    Reads the bundled compact copy or the full export (its prf* column names). Net volumes can be
    negative (48 oil months): they are kept here and read as "not producing" by the backtest.
    """
    raw = pl.read_csv(path, infer_schema_length=10000)
    if "prfInformationCarrier" in raw.columns:
        raw = raw.select(
            field=pl.col("prfInformationCarrier"),
            year=pl.col("prfYear"),
            month=pl.col("prfMonth"),
            oil_mill_sm3=pl.col("prfPrdOilNetMillSm3"),
            gas_bill_sm3=pl.col("prfPrdGasNetBillSm3"),
        )
    missing = {"field", "year", "month", *(c for c, _ in PRODUCTS.values())} - set(raw.columns)
    if missing:
        raise ValueError(f"{path}: not a Sodir monthly field table, missing columns {sorted(missing)}")
    return raw.select(
        "field",
        month_index=pl.col("year").cast(pl.Int64) * 12 + pl.col("month").cast(pl.Int64) - 1,
        **{f"{p}_sm3": pl.col(c).cast(pl.Float64) * k for p, (c, k) in PRODUCTS.items()},
    ).sort("field", "month_index")


def seasonal_scale(y: np.ndarray, months: np.ndarray, season: int = 12) -> float:
    """Mean |y(m) - y(m - 12)| over the training months that have both (NaN with fewer than 12 pairs)."""
    pos = {int(m): v for m, v in zip(months, y, strict=True) if np.isfinite(v)}
    diffs = [abs(v - pos[m - season]) for m, v in pos.items() if m - season in pos]
    if len(diffs) < season:
        return float("nan")
    return max(float(np.mean(diffs)), 1e-6 * max(float(np.mean(np.abs(list(pos.values())))), 1e-3))


def _mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    ok = np.isfinite(actual) & np.isfinite(forecast)
    if not ok.any() or not np.isfinite(scale):
        return float("nan")
    return float(np.mean(np.abs(actual[ok] - forecast[ok])) / scale)


@dataclass(frozen=True)
class MonthlyWindow:
    """One cut-off of one series: the calendar-day rate after it, the MASE scales from before it, and each
    model's P10/P50/P90 on the same months (rate x recent uptime)."""

    source: str
    series_id: str
    product: str
    origin: int
    actual: np.ndarray
    scale: float
    seasonal_scale: float
    bands: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def monthly_windows(
    source: str,
    series_id: str,
    product: str,
    months: np.ndarray,
    volume: np.ndarray,
    on_stream_days: np.ndarray | None = None,
    config: MonthlyBacktestConfig = MonthlyBacktestConfig(),
) -> list[MonthlyWindow]:
    """The cut-offs of one monthly series (months as month indices; missing months are gaps), forecast.

    A month producing less than ``MIN_ON_STREAM_DAYS`` on stream, or with a negative or missing volume, is
    not a training point; its actual calendar-day rate is still scored (a shut-in month is real output).
    ``selected`` is the medium-term forecast (``monthly_pool.combined_forecast``, its own band) and
    ``inner_pick`` the per-series pick it is the median around.
    """
    months = np.asarray(months, float)
    volume = np.asarray(volume, float)
    days = np.array([_days_in_month(int(m)) for m in months], float)
    stream = days.copy() if on_stream_days is None else np.minimum(np.nan_to_num(on_stream_days).clip(0), days)
    producing = np.isfinite(volume) & (volume > 0) & (stream >= MIN_ON_STREAM_DAYS)
    rate = np.where(producing, volume / np.where(stream > 0, stream, 1.0), np.nan)
    calendar = np.where(np.isfinite(volume), np.maximum(volume, 0.0) / days, np.nan)  # what is scored
    longest = max(config.horizons)
    cum = np.cumsum(producing)
    eligible = [i for i in range(len(months)) if cum[i] >= config.min_history and months[i] + longest <= months[-1]]
    if not eligible:
        return []
    picks = np.unique(np.round(np.linspace(0, len(eligible) - 1, config.origins_per_series)).astype(int))
    windows: list[MonthlyWindow] = []
    for k in picks:
        i = eligible[int(k)]
        origin = months[i]
        train = slice(0, i + 1)
        prod = producing[train]
        t_tr, y_tr = months[train][prod], rate[train][prod]
        cal_tr = calendar[train]
        recent = slice(max(0, i + 1 - int(config.forecast.uptime_window_days)), i + 1)
        uptime = float(np.clip(stream[recent].sum() / max(days[recent].sum(), 1.0), 0.0, 1.0))
        t_future = origin + np.arange(1, longest + 1, dtype=float)
        # Models outside the pool that the benchmarks or the combination need (naive), scored not selected.
        wanted = dict.fromkeys((*config.benchmarks, *COMBINED_MEMBERS))
        extra = tuple(m for m in wanted if m not in config.forecast.candidates and m != "selected")
        forecasts = forecast_rate_candidates(t_tr, y_tr, t_future, origin, config.forecast, True, extra)
        forecasts = {**forecasts, "inner_pick": forecasts["selected"], "selected": combined_forecast(forecasts)}
        future = {int(m): c for m, c in zip(months[i + 1 :], calendar[i + 1 :], strict=True)}
        bands = {}
        for name in ("selected", "inner_pick", *config.benchmarks):
            rf = forecasts.get(name)
            if rf is None:  # too short for the candidates: the fallback row stands for every model
                rf = forecasts["selected"]
            up = 0.0 if rf.status == "shut_in" else uptime
            bands[name] = (rf.p10 * up, rf.p50 * up, rf.p90 * up)
        windows.append(
            MonthlyWindow(
                source,
                series_id,
                product,
                int(origin),
                np.array([future.get(int(m), np.nan) for m in t_future]),
                naive_scale(cal_tr[np.isfinite(cal_tr)]),
                seasonal_scale(cal_tr, months[train]),
                bands,
            )
        )
    return windows


def pooled_bands(windows: list[MonthlyWindow]) -> list[MonthlyWindow]:
    """Each window's ``selected`` band widened by the pooled errors of every window of the same source and
    product known at its origin (``monthly_pool``); the other models keep their own bands."""
    pools = {
        key: PooledLogErrors.of(
            (w.origin, w.actual, w.bands["selected"][1]) for w in windows if (w.source, w.product) == key
        )
        for key in {(w.source, w.product) for w in windows}
    }
    out = []
    for w in windows:
        p10, p50, p90 = w.bands["selected"]
        q10, q90 = pools[(w.source, w.product)].quantiles_as_of(w.origin, len(p50))
        low, high = widened(p10, p50, p90, q10, q90)
        out.append(replace(w, bands={**w.bands, "selected": (low, p50, high)}))
    return out


def window_rows(windows: list[MonthlyWindow], horizons: tuple[int, ...] = HORIZONS_MONTHS) -> list[dict[str, object]]:
    """The scored rows of windows: per horizon and model, MASE (plain and seasonal scale) and coverage."""
    rows: list[dict[str, object]] = []
    for w in windows:
        for horizon in horizons:
            a = w.actual[:horizon]
            for name, band in w.bands.items():
                p10, p50, p90 = (v[:horizon] for v in band)
                rows.append(
                    {
                        "source": w.source,
                        "series_id": w.series_id,
                        "product": w.product,
                        "origin_month": w.origin,
                        "horizon_months": horizon,
                        "model": name,
                        "mase": _mase(a, p50, w.scale),
                        "mase_seasonal": _mase(a, p50, w.seasonal_scale),
                        "coverage_p10_p90": coverage(a, p10, p90),
                    }
                )
    return rows


def backtest_monthly_series(
    source: str,
    series_id: str,
    product: str,
    months: np.ndarray,
    volume: np.ndarray,
    on_stream_days: np.ndarray | None = None,
    config: MonthlyBacktestConfig = MonthlyBacktestConfig(),
) -> list[dict[str, object]]:
    """Window rows of one monthly series, its band pooled over its own earlier windows only."""
    windows = monthly_windows(source, series_id, product, months, volume, on_stream_days, config)
    return window_rows(pooled_bands(windows), config.horizons)


def monthly_backtest_sodir(
    fields: pl.DataFrame,
    products: tuple[str, ...] = ("oil", "gas"),
    config: MonthlyBacktestConfig = MonthlyBacktestConfig(),
) -> pl.DataFrame:
    """Window rows of every Sodir field and product with enough history (``read_sodir_monthly`` rows)."""
    windows: list[MonthlyWindow] = []
    for (field,), g in fields.group_by(["field"], maintain_order=True):
        for product in products:
            windows += monthly_windows(
                "sodir", str(field), product, g["month_index"].to_numpy(), g[f"{product}_sm3"].to_numpy(), None, config
            )
    return pl.DataFrame(window_rows(pooled_bands(windows), config.horizons), schema=WINDOW_SCHEMA)


def monthly_backtest_wells(
    production: pl.DataFrame,
    products: tuple[str, ...] = ("oil", "gas"),
    config: MonthlyBacktestConfig = MonthlyBacktestConfig(),
) -> pl.DataFrame:
    """Window rows of every producing well's monthly series, built from its daily rows as the monthly
    forecast builds them (months with no report dropped, a last incomplete month dropped)."""
    windows: list[MonthlyWindow] = []
    for well in sorted(production["well_id"].unique().to_list()):
        for product in products:
            try:
                series = daily_series(production.filter(pl.col("well_id") == well), product, well)
            except NotAProducerError:
                continue
            monthly = monthly_from_daily(series).filter(pl.col("observed_days") > 0)
            if monthly.height and monthly["observed_days"][-1] < monthly["days"][-1]:
                monthly = monthly.slice(0, monthly.height - 1)
            idx = (
                monthly["month"].dt.year().cast(pl.Int64) * 12 + monthly["month"].dt.month().cast(pl.Int64) - 1
            ).to_numpy()
            windows += monthly_windows(
                "wells",
                well,
                product,
                idx,
                monthly["volume_sm3"].to_numpy(),
                monthly["on_stream_days"].to_numpy(),
                config,
            )
    return pl.DataFrame(window_rows(pooled_bands(windows), config.horizons), schema=WINDOW_SCHEMA)


def summarize_monthly(windows: pl.DataFrame) -> pl.DataFrame:
    """Per (source, product, horizon, model): mean MASE (plain and seasonal scale, over windows), the
    series-weighted mean (every field counts once), coverage, and for ``selected`` the share of series
    whose mean MASE is below each benchmark's (``ahead_of_<benchmark>``), over the same windows."""
    schema = {"source": pl.String(), "product": pl.String(), "horizon_months": pl.Int64(), "model": pl.String(),
              "metric": pl.String(), "value": pl.Float64(), "windows": pl.Int64(), "series": pl.Int64()}  # fmt: skip
    if windows.is_empty():
        return pl.DataFrame(schema=schema)
    keys = ["source", "product", "horizon_months", "model"]
    ok = windows.filter(pl.col("mase").is_finite())
    per_series = ok.group_by([*keys, "series_id"]).agg(pl.col("mase").mean(), pl.col("mase_seasonal").mean())
    out: list[dict[str, object]] = []
    for key, g in ok.group_by(keys, maintain_order=True):
        base = dict(zip(keys, key, strict=True))
        s = per_series.filter(*(pl.col(k) == v for k, v in base.items()))
        seasonal = g["mase_seasonal"].drop_nans().drop_nulls()
        for metric, value, n in (
            ("mase", g["mase"].mean(), g.height),
            ("mase_seasonal", seasonal.mean() if seasonal.len() else float("nan"), seasonal.len()),
            ("mase_series_mean", s["mase"].mean(), g.height),
            ("coverage_p10_p90", g["coverage_p10_p90"].drop_nans().mean(), g.height),
        ):
            out.append({**base, "metric": metric, "value": float(value), "windows": n, "series": s.height})
    chosen = per_series.filter(pl.col("model") == "selected")
    for bench in windows["model"].unique().sort().to_list():
        if bench == "selected":
            continue
        other = per_series.filter(pl.col("model") == bench).select(*keys[:3], "series_id", other=pl.col("mase"))
        both = chosen.join(other, on=[*keys[:3], "series_id"])
        for key, g in both.group_by(keys[:3], maintain_order=True):
            base = dict(zip(keys[:3], key, strict=True))
            out.append({**base, "model": "selected", "metric": f"ahead_of_{bench}",
                        "value": float((g["mase"] < g["other"]).mean()), "windows": 0, "series": g.height})  # fmt: skip
    return pl.DataFrame(out, schema=schema).sort("source", "product", "horizon_months", "metric", "model")
