"""Forecasts for every producing well from silver: the step shared by the Dagster asset and the CLI."""

from __future__ import annotations

import polars as pl

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
