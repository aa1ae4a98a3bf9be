"""The Dagster code location. Loading it reads the environment once, inside the @definitions function."""

from __future__ import annotations

import dagster as dg

from da_platform.env import Settings, load_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Assets, checks, jobs, sensors, schedules and resources for one environment."""
    from da_platform.defs import automation, forecast_assets, ingest_assets, rag_assets, silver_assets
    from da_platform.defs.audit_sensors import build_audit_sensors
    from da_platform.defs.gold_assets import build_gold_assets, dbt_resource
    from da_platform.defs.observability import build_observability
    from da_platform.defs.partitions import production_partitions
    from da_platform.defs.reconciliation_check import build_reconciliation_check
    from da_platform.defs.resources import build_resources
    from da_platform.naming import mandatory_tags

    partitions = production_partitions(settings)
    freshness_checks, observability_sensors = build_observability(settings)
    defs = dg.Definitions(
        assets=[
            *ingest_assets.assets,
            silver_assets.silver_register,
            silver_assets.silver_monthly,
            silver_assets.build_silver_daily(partitions),
            build_gold_assets(partitions),
            *forecast_assets.assets,
            *rag_assets.assets,
        ],
        asset_checks=[build_reconciliation_check(), *freshness_checks],
        jobs=[automation.ingest_job, automation.daily_job, forecast_assets.forecast_job, rag_assets.rag_job],
        sensors=[
            automation.landing_sensor,
            automation.build_new_days_sensor(settings.partition_grain),
            automation.build_reference_sensor(settings.partition_grain),
            *observability_sensors,
            *build_audit_sensors(settings),
        ],
        schedules=[automation.build_daily_refresh(settings.partition_grain)],
        resources={**build_resources(settings), "dbt": dbt_resource(settings)},
    )
    tags = mandatory_tags(settings)
    owner = f"team:{settings.owner}"
    return defs.map_asset_specs(func=lambda spec: spec.merge_attributes(tags=tags, owners=[owner]))


@dg.definitions
def defs() -> dg.Definitions:
    """Entry point for `dagster dev` and Dagster+ (see workspace.yaml and dagster_cloud.yaml)."""
    return build_definitions(load_settings())
