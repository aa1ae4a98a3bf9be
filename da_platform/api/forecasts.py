"""Forecasts as the API serves them: the Delta table ``forecast/well_daily_forecasts`` of the environment.

The table is written by the ``forecast/well_daily_forecasts`` asset (champion policy, its registry version
and MLflow run id on every row). It is re-read only when its Delta log changes.

Per well the bands are the forecast's own: P10/P50/P90 rate on producing days (Sm3/d), with the expected
uptime and calendar-day volume. Per field there is no field-level model, so the field's bands are its
wells' expected daily volumes (rate × uptime) added quantile by quantile. That sum assumes the wells move
together (comonotone), so the field band is the widest consistent with the well bands, not narrower.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from da_platform.catalog import FORECAST_WELL_DAILY
from da_platform.lakehouse.delta_lake import Lake

TABLE = FORECAST_WELL_DAILY.path
_ONE_DAY = timedelta(days=1)


class ForecastsUnavailable(RuntimeError):
    """No forecast table in this environment yet."""


class ForecastReader:
    """The forecast table, cached until its Delta log changes."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self._lock = threading.Lock()
        self._cached: tuple[object, pl.DataFrame] | None = None

    def table(self) -> pl.DataFrame:
        signature = self.lake.change_marker(TABLE)
        if signature is None:
            raise ForecastsUnavailable("no forecasts in this environment yet: materialize forecast_job")
        cached = self._cached
        if cached is not None and cached[0] == signature:
            return cached[1]
        with self._lock:
            frame = self.lake.read(TABLE).with_columns(pl.col("date").cast(pl.Date))
            for column in ("model_version", "mlflow_run_id"):
                if column not in frame.columns:
                    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
            frame = frame.with_columns(pl.col("model_version", "mlflow_run_id").cast(pl.String))
            self._cached = (signature, frame)
            return frame


@dataclass(frozen=True)
class ForecastAnswer:
    model_version: str | None
    mlflow_run_id: str | None
    models: dict[str, str]
    statuses: dict[str, str]
    origin: date | None
    points: list[dict]
    basis: str


def _meta(rows: pl.DataFrame) -> tuple[str | None, str | None, dict[str, str], dict[str, str]]:
    per_well = rows.group_by("well_id").agg(pl.col("model").first(), pl.col("status").first()).sort("well_id")
    versions = rows["model_version"].drop_nulls().unique().to_list()
    runs = rows["mlflow_run_id"].drop_nulls().unique().to_list()
    return (
        versions[0] if len(versions) == 1 else (",".join(sorted(versions)) or None),
        runs[0] if len(runs) == 1 else (",".join(sorted(runs)) or None),
        dict(zip(per_well["well_id"], per_well["model"], strict=True)),
        dict(zip(per_well["well_id"], per_well["status"], strict=True)),
    )


def well_forecast(table: pl.DataFrame, well_id: str, product: str, horizon_days: int) -> ForecastAnswer | None:
    """One well's bands for the first ``horizon_days`` days; None when the well has no forecast rows."""
    rows = table.filter((pl.col("well_id") == well_id) & (pl.col("product") == product)).sort("date")
    if rows.height == 0:
        return None
    version, run, models, statuses = _meta(rows)
    points = rows.head(horizon_days).select("date", "p10", "p50", "p90", "uptime", "volume_p50").to_dicts()
    origin = rows["date"].min()
    return ForecastAnswer(
        version, run, models, statuses, origin - _ONE_DAY if origin else None, points, "rate_on_producing_days"
    )


def field_forecast(
    table: pl.DataFrame, wells_of_field: list[str], product: str, horizon_days: int
) -> ForecastAnswer | None:
    """The field's bands: its wells' expected daily volumes summed quantile by quantile, per date."""
    rows = table.filter(pl.col("well_id").is_in(wells_of_field) & (pl.col("product") == product))
    if rows.height == 0:
        return None
    version, run, models, statuses = _meta(rows)
    first = rows["date"].min()
    summed = (
        rows.group_by("date")
        .agg(
            (pl.col("p10") * pl.col("uptime")).sum().alias("p10"),
            (pl.col("p50") * pl.col("uptime")).sum().alias("p50"),
            (pl.col("p90") * pl.col("uptime")).sum().alias("p90"),
            pl.col("volume_p50").sum().alias("volume_p50"),
        )
        .sort("date")
        .head(horizon_days)
        .with_columns(uptime=pl.lit(None, dtype=pl.Float64))
    )
    points = summed.select("date", "p10", "p50", "p90", "uptime", "volume_p50").to_dicts()
    return ForecastAnswer(
        version, run, models, statuses, first - _ONE_DAY if first else None, points, "sum_of_well_expected_volumes"
    )
