"""Forecasts for every producing well from silver: the step shared by the Dagster asset and the CLI."""

from __future__ import annotations

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


def forecast_all(
    production: pl.DataFrame, products: tuple[str, ...], horizon_days: int, config: ForecastConfig
) -> tuple[pl.DataFrame, list[ForecastResult]]:
    """Every producing well × product as one table (injectors are skipped), plus the per-well results."""
    frames, results = [], []
    for well_id in sorted(production["well_id"].unique().to_list()):
        for product in products:
            try:
                result = forecast_well(production, well_id, product, horizon_days, config)
            except NotAProducerError:
                break
            results.append(result)
            frames.append(
                result.points.with_columns(
                    well_id=pl.lit(well_id),
                    product=pl.lit(product),
                    model=pl.lit(result.model),
                    status=pl.lit(result.status),
                    reason=pl.lit(result.reason),
                )
            )
    table = pl.concat([f.select(list(FORECAST_SCHEMA)) for f in frames]) if frames else pl.DataFrame()
    return table.cast(FORECAST_SCHEMA) if frames else pl.DataFrame(schema=FORECAST_SCHEMA), results


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
