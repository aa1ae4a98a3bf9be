"""Medium-term (3–12 month) forecasts on monthly series: per well from its daily history, per field from
a monthly volume series (for example the SODIR field table).

The same candidates, selection and empirical bands as the daily forecast run on a monthly time axis
(t in months, so "mean_7" is the mean of the last 7 months and the decline ``di`` is per month). The
rate is the volume per on-stream day; uptime (share of the month on stream) is estimated apart, as for
daily forecasts, and the monthly volume is rate x uptime x days in the month. The forecast given is the
median of the per-series pick, naive, AutoETS and Arps (``monthly_pool.combined_forecast``), which the
Sodir backtest showed to be steadier than the pick alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from da_platform.forecast.monthly_pool import COMBINED_MEMBERS, combined_forecast
from da_platform.forecast.select import BAND_SCHEMA, DEFAULT_CANDIDATES, ForecastConfig, forecast_rate_candidates
from da_platform.forecast.series import DailySeries

# Monthly settings: a 3-year decline window, inner origins six months apart, at least two years to select.
MONTHLY_CONFIG = ForecastConfig(
    min_producing_points=24,
    min_fallback_points=3,
    shut_in_days=3,  # read as months on this axis: three months without production means shut in
    fit_window=36.0,
    inner_origins=8,
    # Origins one month apart score almost the same 12-month window eight times: on the Sodir backtest
    # (monthly_backtest.py, 103 oil fields) 12-month oil MASE 1.162 at 1 month apart, 1.138 at 3, 1.104
    # at 6, 1.264 at 12 (too few origins on younger fields); coverage 0.61 -> 0.69 at 6. Chosen on those
    # same fields, so the reported 6-month figure is a little optimistic.
    inner_spacing=6.0,
    min_train_points=12,
    uptime_window_days=6,  # months
    # AutoETS is a member of the median (monthly_pool.py), fitted once on the whole series, not a
    # candidate of the pick: as a candidate it was fitted again at each of the 8 inner origins, ~40 % of
    # the medium-term asset's time, while the Sodir backtest at 12 months moved by < 0.001 MASE (oil
    # 1.0195 -> 1.0193, gas 1.2412 -> 1.2410) and coverage by < 0.002.
    candidates=DEFAULT_CANDIDATES,
)
# A month with less than this many on-stream days gives too noisy a rate to learn from.
MIN_ON_STREAM_DAYS = 5.0
MONTHLY_SCHEMA = {"month": pl.Date(), **BAND_SCHEMA}


@dataclass(frozen=True)
class MonthlyForecast:
    """Monthly points: p10/p50/p90 rate per on-stream day (Sm3/d), uptime, and monthly volumes (Sm3)."""

    series_id: str
    model: str
    status: str
    reason: str
    points: pl.DataFrame


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _days_in_month(index: int) -> int:
    nxt = _month_start(index + 1)
    return (nxt - _month_start(index)).days


_MONTHLY_FROM_DAILY = {
    "month": pl.Date(),
    "volume_sm3": pl.Float64(),
    "on_stream_days": pl.Float64(),
    "observed_days": pl.Int64(),
    "days": pl.Int64(),
}


def monthly_from_daily(series: DailySeries) -> pl.DataFrame:
    """Aggregate a daily series to months: month, volume_sm3, on_stream_days, observed_days, days."""
    return monthly_by_product([series])[0]


def monthly_by_product(series: Sequence[DailySeries]) -> list[pl.DataFrame]:
    """:func:`monthly_from_daily` of each of one well's products, in one group-by.

    The products of a well share its days and hours (``series_from_rows`` on the same rows), so one
    group-by with a volume column per product does what one per product did: on a few hundred days its
    fixed cost is most of the time. The sums are polars' own, so the months are the same to the bit.
    """
    if not series:
        return []
    base = series[0]
    for other in series[1:]:
        if not (
            np.array_equal(other.dates, base.dates)
            and np.array_equal(other.hours, base.hours)
            and np.array_equal(other.observed, base.observed)
        ):
            raise ValueError(f"{other.well_id} {other.product} is not on the same days as {base.product}")
    if len(base.dates) == 0:
        return [pl.DataFrame(schema=_MONTHLY_FROM_DAILY) for _ in series]
    volumes = [f"volume_{i}" for i in range(len(series))]
    frame = pl.DataFrame(
        {
            "date": pl.Series(base.dates.astype("datetime64[D]"), dtype=pl.Date),
            "hours": base.hours,
            "observed": base.observed,
            **{name: s.volume for name, s in zip(volumes, series, strict=True)},
        }
    )
    months = (
        frame.group_by(pl.col("date").dt.truncate("1mo").alias("month"))
        .agg(
            *(pl.col(name).sum() for name in volumes),
            on_stream_days=pl.col("hours").sum() / 24.0,
            observed_days=pl.col("observed").sum().cast(pl.Int64),
        )
        .with_columns(days=pl.col("month").dt.month_end().dt.day().cast(pl.Int64))
        .sort("month")
    )
    return [
        months.select("month", pl.col(name).alias("volume_sm3"), "on_stream_days", "observed_days", "days")
        for name in volumes
    ]


def forecast_monthly(
    months: list[date] | pl.Series,
    volumes: np.ndarray,
    horizon_months: int,
    on_stream_days: np.ndarray | None = None,
    series_id: str = "?",
    config: ForecastConfig = MONTHLY_CONFIG,
) -> MonthlyForecast:
    """Forecast the next ``horizon_months`` months after the last given month.

    ``on_stream_days`` None means the series has no uptime (a field total): the rate is then the
    calendar-day average and uptime is 1. Missing months are gaps (not zeros); NaN volumes are ignored.
    """
    if not 1 <= horizon_months <= 60:
        raise ValueError(f"horizon_months must be 1..60, got {horizon_months}")
    month_list = list(months)
    idx = np.array([_month_index(m) for m in month_list], dtype=float)
    vol = np.asarray(volumes, float)
    days = np.array([_days_in_month(int(i)) for i in idx], dtype=float)
    if on_stream_days is None:
        stream = days.copy()
    else:
        stream = np.nan_to_num(np.asarray(on_stream_days, float), nan=0.0).clip(0.0, None)
        stream = np.minimum(stream, days)
    if len(idx) == 0:
        empty = pl.DataFrame(schema=MONTHLY_SCHEMA)
        return MonthlyForecast(series_id, "none", "insufficient_history", "no months given", empty)
    order = np.argsort(idx)
    idx, vol, days, stream = idx[order], vol[order], days[order], stream[order]
    producing = np.isfinite(vol) & (vol >= 0) & (stream >= MIN_ON_STREAM_DAYS)
    rate = np.where(producing, vol / np.where(stream > 0, stream, 1.0), np.nan)
    origin = float(idx[-1])
    t_future = origin + np.arange(1, horizon_months + 1, dtype=float)
    # The median of the pick, naive, AutoETS and Arps (monthly_pool.py): the pick alone is noisy here.
    # Only the members' P50 enter it, so the pick's rivals are not forecast to the end.
    members = tuple(m for m in COMBINED_MEMBERS if m != "selected")
    rf = combined_forecast(
        forecast_rate_candidates(idx[producing], rate[producing], t_future, origin, config, also=members)
    )

    # Uptime: recent months' share on stream (1 for series without hours); zero when shut in.
    recent = slice(-int(config.uptime_window_days), None)
    uptime = float(np.clip(np.sum(stream[recent]) / max(np.sum(days[recent]), 1.0), 0.0, 1.0))
    if rf.status == "shut_in":
        uptime = 0.0
    f_days = np.array([_days_in_month(int(i)) for i in t_future], dtype=float)
    points = pl.DataFrame(
        {
            "month": [_month_start(int(i)) for i in t_future],
            "p10": rf.p10,
            "p50": rf.p50,
            "p90": rf.p90,
            "uptime": np.full(horizon_months, uptime),
            "volume_p10": rf.p10 * uptime * f_days,
            "volume_p50": rf.p50 * uptime * f_days,
            "volume_p90": rf.p90 * uptime * f_days,
        },
        schema=MONTHLY_SCHEMA,
    )
    if rf.status == "insufficient_history":
        points = points.clear()
    return MonthlyForecast(series_id, rf.model, rf.status, rf.reason, points)


def forecast_well_monthly(
    series: DailySeries, horizon_months: int, monthly: pl.DataFrame | None = None
) -> MonthlyForecast:
    """Monthly forecast of one well from its daily history (months with no report at all are dropped).

    ``monthly`` is ``monthly_from_daily(series)`` when the caller has it already (``monthly_by_product``).
    The last month is dropped when it is incomplete, because a partial month's volume would read as a
    collapse in production.
    """
    monthly = (monthly_from_daily(series) if monthly is None else monthly).filter(pl.col("observed_days") > 0)
    if monthly.height and monthly["observed_days"][-1] < monthly["days"][-1]:
        monthly = monthly.slice(0, monthly.height - 1)
    return forecast_monthly(
        monthly["month"].to_list(),
        monthly["volume_sm3"].to_numpy(),
        horizon_months,
        monthly["on_stream_days"].to_numpy(),
        series.well_id,
    )


def read_sodir_field_monthly(path: str, field: str, product: str = "oil") -> pl.DataFrame:
    """One field's monthly series from the SODIR field production CSV: month, volume_sm3 (million Sm3 x 1e6).

    For scripts and tests; gas is reported in billion Sm3 and is converted too.
    """
    column = {
        "oil": ("prfPrdOilNetMillSm3", 1e6),
        "gas": ("prfPrdGasNetBillSm3", 1e9),
        "water": ("prfPrdProducedWaterInFieldMillSm3", 1e6),
    }[product]
    raw = pl.read_csv(path, infer_schema_length=10000)
    return (
        raw.filter(pl.col("prfInformationCarrier").str.to_uppercase() == field.upper())
        .select(
            month=pl.date(pl.col("prfYear"), pl.col("prfMonth"), 1),
            volume_sm3=pl.col(column[0]).cast(pl.Float64) * column[1],
        )
        .sort("month")
    )
