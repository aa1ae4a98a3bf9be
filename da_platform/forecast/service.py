"""Forecasts for every producing well from silver: the step shared by the Dagster asset and the CLI."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import polars as pl

from da_platform.forecast.monthly import MONTHLY_SCHEMA, MonthlyForecast, forecast_monthly, forecast_well_monthly
from da_platform.forecast.select import POINTS_SCHEMA, ForecastConfig, ForecastResult, forecast_series
from da_platform.forecast.series import NotAProducerError, daily_series

FORECAST_SCHEMA: dict[str, pl.DataType] = {
    "well_id": pl.String(),
    "product": pl.String(),
    **POINTS_SCHEMA,
    "model": pl.String(),
    "status": pl.String(),
    "reason": pl.String(),
    "input_sha256": pl.String(),  # of the well's rows the forecast was made from: unchanged input, reuse
}


def well_history(production: pl.DataFrame, well_id: str) -> pl.DataFrame:
    """One well's silver rows; a well that is not there is a clear error, not an empty forecast."""
    history = production.filter(pl.col("well_id") == well_id)
    if history.height == 0:
        known = ", ".join(sorted(production["well_id"].unique().to_list())) or "none"
        raise KeyError(f"no production for well {well_id!r} (wells with production: {known})")
    return history


def forecast_well(
    production: pl.DataFrame, well_id: str, product: str, horizon_days: int, config: ForecastConfig
) -> ForecastResult:
    """Forecast one well and product from the last landed day; injectors raise NotAProducerError."""
    return forecast_series(daily_series(well_history(production, well_id), product, well_id), horizon_days, config)


def input_fingerprint(history: pl.DataFrame) -> str:
    """sha256 of a well's rows in date order: equal fingerprints mean the forecast input did not change."""
    rows = history.sort("production_date").select(sorted(history.columns))
    return hashlib.sha256(rows.write_csv().encode()).hexdigest()


def _reused(previous: pl.DataFrame, well_id: str, product: str, fingerprint: str) -> ForecastResult | None:
    rows = previous.filter(
        (pl.col("well_id") == well_id) & (pl.col("product") == product) & (pl.col("input_sha256") == fingerprint)
    )
    if rows.height == 0:
        return None
    first = rows.row(0, named=True)
    origin = first["date"] - timedelta(days=1) if first["date"] is not None else None
    points = rows.sort("date").select(list(POINTS_SCHEMA)).drop_nulls("date")
    return ForecastResult(well_id, product, first["model"], first["status"], first["reason"], origin, points, None)


def forecast_all(
    production: pl.DataFrame,
    products: tuple[str, ...],
    horizon_days: int,
    config: ForecastConfig,
    previous: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, list[ForecastResult], list[str]]:
    """Every producing well × product as one table (injectors are skipped), the per-well results, and
    the wells refitted.

    ``previous`` is the last table made with the same policy and horizon: a well whose rows have not
    changed since (same ``input_sha256``) keeps its forecast instead of being refitted, so a new day of
    data costs the wells it touches, not the whole fleet.
    """
    frames, results, refitted = [], [], []
    reusable = previous is not None and previous.height > 0 and "input_sha256" in previous.columns
    for well_id in sorted(production["well_id"].unique().to_list()):
        history = well_history(production, well_id)
        fingerprint = input_fingerprint(history)
        for product in products:
            result = _reused(previous, well_id, product, fingerprint) if reusable else None
            if result is None:
                try:
                    result = forecast_series(daily_series(history, product, well_id), horizon_days, config)
                except NotAProducerError:
                    break
                if well_id not in refitted:
                    refitted.append(well_id)
            results.append(result)
            frames.append(
                result.points.with_columns(
                    well_id=pl.lit(well_id),
                    product=pl.lit(product),
                    model=pl.lit(result.model),
                    status=pl.lit(result.status),
                    reason=pl.lit(result.reason),
                    input_sha256=pl.lit(fingerprint),
                )
            )
    if not frames:
        return pl.DataFrame(schema=FORECAST_SCHEMA), results, refitted
    return pl.concat([f.select(list(FORECAST_SCHEMA)) for f in frames]).cast(FORECAST_SCHEMA), results, refitted


MONTHLY_FORECAST_SCHEMA: dict[str, pl.DataType] = {
    "level": pl.String(),  # "well" or "field"
    "series_id": pl.String(),
    "product": pl.String(),
    **MONTHLY_SCHEMA,
    "model": pl.String(),
    "status": pl.String(),
    "reason": pl.String(),
}


def _monthly_row_frame(level: str, product: str, result: MonthlyForecast) -> pl.DataFrame:
    return result.points.with_columns(
        level=pl.lit(level),
        series_id=pl.lit(result.series_id),
        product=pl.lit(product),
        model=pl.lit(result.model),
        status=pl.lit(result.status),
        reason=pl.lit(result.reason),
    ).select(list(MONTHLY_FORECAST_SCHEMA))


def field_monthly_history(production: pl.DataFrame, field_id: str, product: str) -> pl.DataFrame:
    """A field's complete months from silver: month, volume_sm3 (sum over its producing wells).

    The last month is dropped when its last reported day is not the month's last day: a partial month
    would read as a collapse in production.
    """
    rows = production.filter(pl.col("field_id") == field_id)
    monthly = (
        rows.group_by(pl.col("production_date").dt.truncate("1mo").alias("month"))
        .agg(volume_sm3=pl.col(f"{product}_sm3").fill_null(0.0).sum(), last_day=pl.col("production_date").max())
        .sort("month")
    )
    if monthly.height and monthly["last_day"][-1] != monthly["month"].dt.month_end()[-1]:
        monthly = monthly.slice(0, monthly.height - 1)
    return monthly.select("month", "volume_sm3")


def forecast_monthly_all(production: pl.DataFrame, products: tuple[str, ...], horizon_months: int) -> pl.DataFrame:
    """Medium-term monthly forecasts: every producing well from its daily history and every field from
    its wells' summed monthly volumes (a field total has no uptime of its own: calendar-month volumes)."""
    frames = []
    for well_id in sorted(production["well_id"].unique().to_list()):
        for product in products:
            try:
                series = daily_series(well_history(production, well_id), product, well_id)
            except NotAProducerError:
                break
            frames.append(_monthly_row_frame("well", product, forecast_well_monthly(series, horizon_months)))
    for field_id in sorted(production["field_id"].drop_nulls().unique().to_list()):
        for product in products:
            history = field_monthly_history(production, field_id, product)
            result = forecast_monthly(
                history["month"], history["volume_sm3"].to_numpy(), horizon_months, series_id=field_id
            )
            frames.append(_monthly_row_frame("field", product, result))
    if not frames:
        return pl.DataFrame(schema=MONTHLY_FORECAST_SCHEMA)
    return pl.concat(frames).cast(MONTHLY_FORECAST_SCHEMA)
