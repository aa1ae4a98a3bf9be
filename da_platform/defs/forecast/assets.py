"""Forecast assets: the rolling-origin backtest (logged to MLflow) and the daily forecasts per well."""

import base64

import dagster as dg
import polars as pl

from da_platform import catalog
from da_platform.defs.metadata import markdown_table
from da_platform.defs.policy import RETRY, asset_key
from da_platform.defs.resources import LakeResource, ModelRegistryResource
from da_platform.forecast.outages import OutageLog
from da_platform.forecast.plots import fan_chart
from da_platform.forecast.policy_backtest import backtest_policy, logged_events, register_candidate
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.series import daily_series
from da_platform.forecast.service import available_cores, forecast_all, forecast_monthly_all

SILVER_PRODUCTION = asset_key(catalog.SILVER_PRODUCTION)
FORECASTS = catalog.FORECAST_WELL_DAILY.path
HORIZON_DAYS = 90
HORIZON_MONTHS = 12
PRODUCTS = ("oil", "gas", "water")
FAN_CHARTS = 12  # charts in the asset's metadata; a fleet of thousands would not render, nor be read


def _production(lake: LakeResource) -> pl.DataFrame:
    return lake.lake().read(catalog.SILVER_PRODUCTION.path)


@dg.asset(
    key=asset_key(catalog.FORECAST_BACKTEST),
    group_name="forecast",
    deps=[SILVER_PRODUCTION],
    kinds={"mlflow", "polars"},
    retry_policy=RETRY,
    description="Rolling-origin backtest of the forecast policy on every producing well (MASE, MAE, "
    "cumulative-volume error, interval coverage); logged to MLflow as a candidate model version.",
)
def backtest_metrics(context: dg.AssetExecutionContext, lake: LakeResource, registry: ModelRegistryResource):
    """Score the forecast policy and register it as a candidate; the first candidate becomes champion."""
    config = ForecastConfig()
    # The raw zone's operator events: an outage open at a cut-off shapes that window's volume forecast.
    scored = backtest_policy(_production(lake), "oil", config, events=logged_events(lake.lake()))
    table = scored.table
    lake.lake().overwrite(catalog.FORECAST_BACKTEST.path, table)
    if reason := scored.insufficient_history:
        # Forecasts keep the current champion or the default policy: not a failure of the daily job.
        context.log.warning(reason)
        return dg.MaterializeResult(metadata={"windows": 0, "registered": False, "status": reason})
    candidate = register_candidate(registry.target(), config, table, {"source": "dagster", "run": context.run_id})
    selected = table.filter(pl.col("model") == "selected")
    return dg.MaterializeResult(
        metadata={
            "mlflow_run_id": candidate.run_id,
            "model_version": candidate.version,
            "selected": dg.MetadataValue.md(markdown_table(selected)),
        }
    )


@dg.asset(
    key=asset_key(catalog.FORECAST_WELL_DAILY),
    group_name="forecast",
    deps=[SILVER_PRODUCTION, asset_key(catalog.FORECAST_BACKTEST)],
    kinds={"delta", "polars"},
    retry_policy=RETRY,
    description=f"P10/P50/P90 rate on producing days and expected volume, {HORIZON_DAYS} days ahead, "
    "per producing well and product, from the champion forecast policy.",
)
def well_daily_forecasts(context: dg.AssetExecutionContext, lake: LakeResource, registry: ModelRegistryResource):
    """Forecast every producing well from its last landed day, with a fan chart per refitted well in the
    metadata; wells whose rows did not change since the last forecast under the same champion keep theirs."""
    production = _production(lake)
    config, version, run_id = registry.champion_config()
    version = None if version is None else str(version)
    previous = lake.lake().read(FORECASTS)
    # Reuse needs a promoted champion: the default policy (no champion) may change with the code.
    same_policy = version is not None and "model_version" in previous.columns and previous.height > 0
    same_policy = same_policy and previous["model_version"][0] == version
    # The raw zone's operator log: a well down on its last day stays down until a planned end, or as
    # past outages of its kind lasted.
    outages = OutageLog(logged_events(lake.lake()))
    reuse = previous if same_policy else None
    table, results, refitted = forecast_all(
        production, PRODUCTS, HORIZON_DAYS, config, reuse, workers=available_cores(), outages=outages
    )
    table = table.with_columns(
        model_version=pl.lit(version, dtype=pl.String), mlflow_run_id=pl.lit(run_id, dtype=pl.String)
    )
    lake.lake().overwrite(FORECASTS, table)
    charts = []
    charted = set(refitted[:FAN_CHARTS])
    for result in (r for r in results if r.product == "oil" and r.well_id in charted):
        series = daily_series(production.filter(pl.col("well_id") == result.well_id), "oil", result.well_id)
        png = base64.b64encode(fan_chart(series, result)).decode()
        charts.append(f"### {result.well_id}\n![fan chart](data:image/png;base64,{png})")
    if len(refitted) > FAN_CHARTS:
        more = len(refitted) - FAN_CHARTS
        charts.append(f"... and {more} more refitted wells: `datalive forecast --well W --plot chart.png`")
    return dg.MaterializeResult(
        metadata={
            "rows": table.height,
            "model_version": str(version),
            "refitted_wells": dg.MetadataValue.json(refitted),
            "statuses": dg.MetadataValue.json(dict(table.group_by("status").len().rows())),
            "fan_charts": dg.MetadataValue.md("\n\n".join(charts) or "no well refitted"),
        }
    )


@dg.asset(
    key=asset_key(catalog.FORECAST_MONTHLY),
    group_name="forecast",
    deps=[SILVER_PRODUCTION],
    kinds={"delta", "polars"},
    retry_policy=RETRY,
    description=f"Medium-term P10/P50/P90 monthly forecasts, {HORIZON_MONTHS} months ahead: per producing well "
    "from its daily history and per field from its wells' summed monthly volumes.",
)
def monthly_forecasts(lake: LakeResource):
    """Forecast every producing well and every field month by month from the last complete month."""
    table = forecast_monthly_all(_production(lake), PRODUCTS, HORIZON_MONTHS, workers=available_cores())
    lake.lake().overwrite(catalog.FORECAST_MONTHLY.path, table)
    fields = table.filter((pl.col("level") == "field") & (pl.col("product") == "oil"))
    return dg.MaterializeResult(
        metadata={
            "rows": table.height,
            "statuses": dg.MetadataValue.json(dict(table.group_by("status").len().rows())),
            "field_oil": dg.MetadataValue.md(
                markdown_table(fields.select("series_id", "month", "volume_p10", "volume_p50", "volume_p90"))
            ),
        }
    )


forecast_job = dg.define_asset_job(
    "forecast_job",
    selection=dg.AssetSelection.groups("forecast"),
    description="Backtest the forecast policy, log it to MLflow, and forecast every producing well.",
)
