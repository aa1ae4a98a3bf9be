"""Turn a well's silver-like daily rows into the arrays the forecasting models work on.

The models never see a polars frame: they see a regular calendar (one slot per day, gaps included)
with on-stream hours, calendar-day volume and the rate on producing days. Keeping that step here means
every model handles calendar gaps, shut-ins and injector periods the same way.

Accepted input columns (silver ``WELL_DAY_PRODUCTION`` names; anything else is ignored):
``production_date`` (date, required), ``on_stream_hrs`` (required), ``{product}_sm3`` (required),
``{product}_rate_sm3d`` (optional: used as-is when present), ``well_id``, ``well_type`` and
``flow_kind`` (optional: used to find injector periods).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

PRODUCTS = ("oil", "gas", "water")
# A day counts as producing with at least this many on-stream hours (the silver rate rule).
MIN_PRODUCING_HOURS = 6.0
# Well-type codes that mean the well injects (NPD / operator register codes).
INJECTOR_WELL_TYPES = frozenset({"WI", "GI", "WAG", "INJ", "WG"})


class NotAProducerError(ValueError):
    """The well is (currently) an injector: there is no production to forecast."""


@dataclass(frozen=True)
class DailySeries:
    """One well and product on a gap-free daily calendar.

    ``observed`` is False on calendar days with no report (a gap), so a gap is neither a shut-in nor a
    producing day. ``rate`` is the rate on producing days scaled to 24 h (Sm3/d) and NaN elsewhere.
    """

    well_id: str
    product: str
    dates: np.ndarray  # datetime64[D], consecutive days
    observed: np.ndarray  # bool
    hours: np.ndarray  # on-stream hours (0 on gaps)
    volume: np.ndarray  # Sm3 produced that calendar day (0 on gaps)
    rate: np.ndarray  # Sm3/d on producing days, NaN otherwise
    first_producing_date: date | None  # start of the producing period used (after any injector period)

    @property
    def producing(self) -> np.ndarray:
        return np.isfinite(self.rate)

    @property
    def day_index(self) -> np.ndarray:
        """Days since the first calendar slot, as float (the time axis of the decline curves)."""
        return np.arange(len(self.dates), dtype=float)

    def n_producing(self) -> int:
        return int(self.producing.sum())

    def until(self, cutoff: np.datetime64) -> DailySeries:
        """The series as it was known at the end of ``cutoff`` (inclusive): no peeking past it."""
        n = int(np.searchsorted(self.dates, cutoff, side="right"))
        return self._slice(0, n)

    def between(self, start: np.datetime64, end: np.datetime64) -> DailySeries:
        """Calendar days ``start`` .. ``end`` inclusive."""
        a = int(np.searchsorted(self.dates, start, side="left"))
        b = int(np.searchsorted(self.dates, end, side="right"))
        return self._slice(a, b)

    def _slice(self, a: int, b: int) -> DailySeries:
        return DailySeries(
            self.well_id,
            self.product,
            self.dates[a:b],
            self.observed[a:b],
            self.hours[a:b],
            self.volume[a:b],
            self.rate[a:b],
            self.first_producing_date,
        )


def _injector_flags(frame: pl.DataFrame) -> pl.Expr:
    """Rows reporting injection: ``flow_kind`` when the frame has it (the operational flag), else ``well_type``.

    Raw daily ``WELL_TYPE`` is noisy (Volve 15/9-F-5 has days typed WI in the middle of its producing
    period), so it is only the fallback for frames without ``flow_kind``, such as silver rows whose
    ``well_type`` comes from the register.
    """
    if "flow_kind" in frame.columns:
        return (pl.col("flow_kind").str.to_lowercase().str.strip_chars() == "injection").fill_null(False)
    if "well_type" in frame.columns:
        return (
            pl.col("well_type").str.to_uppercase().str.strip_chars().is_in(list(INJECTOR_WELL_TYPES)).fill_null(False)
        )
    return pl.lit(False)


def producing_period(frame: pl.DataFrame, well_id: str = "?") -> pl.DataFrame:
    """Production rows of the current producing period only.

    A well that injected and was then converted to a producer (Volve 15/9-F-5, 2016-04-12) keeps only the
    production rows after its last day of actual injection (an injection row with on-stream hours > 0):
    injection history says nothing about its oil rate. A well with injection rows and no production row
    after its last injection is refused with ``NotAProducerError``.
    """
    frame = frame.sort("production_date").with_columns(_inj=_injector_flags(frame))
    injection = frame.filter(pl.col("_inj"))
    active = injection.filter(pl.col("on_stream_hrs").fill_null(0.0) > 0)
    production = frame.filter(~pl.col("_inj"))
    if not active.is_empty():
        production = production.filter(pl.col("production_date") > active["production_date"].max())
    if production.is_empty() and not injection.is_empty():
        raise NotAProducerError(
            f"well {well_id} is an injector: it has injection rows (flow_kind/well_type) and no production row "
            "after its last injection; forecasts are only made for producing wells"
        )
    return production.drop("_inj")


def _volume_column(product: str) -> str:
    if product not in PRODUCTS:
        raise ValueError(f"product must be one of {PRODUCTS}, not {product!r}")
    return f"{product}_sm3"


def daily_series(history: pl.DataFrame, product: str = "oil", well_id: str | None = None) -> DailySeries:
    """Build a ``DailySeries`` from one well's daily rows (see the module docstring for columns).

    Duplicate dates keep the last row; negative or missing volumes make the day non-producing rather than
    a zero rate, because a missing report is not evidence the well made nothing.
    """
    for col in ("production_date", "on_stream_hrs", _volume_column(product)):
        if col not in history.columns:
            raise ValueError(f"history is missing column {col!r}")
    if well_id is None:
        ids = history["well_id"].unique().to_list() if "well_id" in history.columns else []
        if len(ids) > 1:
            raise ValueError(f"history holds several wells {sorted(map(str, ids))}; pass one well's rows")
        well_id = str(ids[0]) if ids else "?"
    return series_from_rows(forecast_rows(history, well_id), product, well_id)


def forecast_rows(history: pl.DataFrame, well_id: str = "?") -> pl.DataFrame:
    """One well's rows as the forecast reads them, shared by its products: the current producing period
    (``producing_period``), one row per date (the last one reported), in date order."""
    frame = producing_period(history.filter(pl.col("production_date").is_not_null()), well_id)
    return frame.unique("production_date", keep="last").sort("production_date")


def series_from_rows(frame: pl.DataFrame, product: str, well_id: str) -> DailySeries:
    """``daily_series`` of ``product`` from rows already prepared by ``forecast_rows``."""
    vol_col = _volume_column(product)
    if vol_col not in frame.columns:
        raise ValueError(f"history is missing column {vol_col!r}")
    if frame.is_empty():
        empty_f = np.zeros(0)
        return DailySeries(
            well_id, product, np.zeros(0, "datetime64[D]"), np.zeros(0, bool), empty_f, empty_f, empty_f, None
        )

    day = frame["production_date"].cast(pl.Date).to_numpy().astype("datetime64[D]")
    start = day[0]
    n = int((day[-1] - start).astype(int)) + 1
    pos = (day - start).astype(int)
    hours = np.nan_to_num(frame["on_stream_hrs"].cast(pl.Float64).to_numpy(), nan=0.0).clip(0.0, 25.0)
    vol = frame[vol_col].cast(pl.Float64).to_numpy()
    good_vol = np.isfinite(vol) & (vol >= 0)
    rate_col = f"{product}_rate_sm3d"
    if rate_col in frame.columns:
        rate = frame[rate_col].cast(pl.Float64).to_numpy()
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(hours >= MIN_PRODUCING_HOURS, vol * 24.0 / np.where(hours > 0, hours, 1.0), np.nan)
    rate = np.where((hours >= MIN_PRODUCING_HOURS) & good_vol & np.isfinite(rate) & (rate >= 0), rate, np.nan)

    dates = start + np.arange(n).astype("timedelta64[D]")
    observed = np.zeros(n, bool)
    observed[pos] = True
    full_hours = np.zeros(n)
    full_hours[pos] = hours
    full_vol = np.zeros(n)
    full_vol[pos] = np.where(good_vol, vol, 0.0)
    full_rate = np.full(n, np.nan)
    full_rate[pos] = rate
    prod_idx = np.flatnonzero(np.isfinite(full_rate))
    first = dates[prod_idx[0]].astype(object) if len(prod_idx) else None
    return DailySeries(well_id, product, dates, observed, full_hours, full_vol, full_rate, first)


def read_volve_daily(path: str | Path) -> pl.DataFrame:
    """Read the bundled Volve daily CSV into silver-like columns (all wells, production and injection rows).

    Only for the backtest script and tests: the production path reads silver tables instead.
    """
    raw = pl.read_csv(path, try_parse_dates=True, infer_schema_length=20000)
    return raw.select(
        production_date=pl.col("DATEPRD").cast(pl.Date),
        well_id=pl.col("NPD_WELL_BORE_NAME"),
        well_type=pl.col("WELL_TYPE"),
        flow_kind=pl.col("FLOW_KIND"),
        on_stream_hrs=pl.col("ON_STREAM_HRS").cast(pl.Float64),
        oil_sm3=pl.col("BORE_OIL_VOL").cast(pl.Float64),
        gas_sm3=pl.col("BORE_GAS_VOL").cast(pl.Float64),
        water_sm3=pl.col("BORE_WAT_VOL").cast(pl.Float64),
    )
