"""The daily job, the sensors that start it when bronze takes new days or a reference changes, and the
morning refresh: the Dagster wiring of the triggers in ``da_platform/triggers.py``, which decide what each
of them runs."""

from datetime import UTC, datetime

import dagster as dg

from da_platform import catalog, triggers
from da_platform.defs.policy import LAKE_WRITER_TAG
from da_platform.defs.resources import LakeResource
from da_platform.ingest.bronze import admitted_day_range

# Freshness checks run in their own runs (the freshness sensor): a run that just rebuilt history is not
# evidence that today's day arrived, and every daily run would pay for one more step.
FRESHNESS_CHECKS = dg.AssetSelection.checks(
    dg.AssetCheckKey(dg.AssetKey(list(catalog.SILVER_PRODUCTION.key)), "freshness_check"),
    dg.AssetCheckKey(dg.AssetKey(list(catalog.GOLD_WELL_DAILY.key)), "freshness_check"),
)
DAILY_SELECTION = (
    dg.AssetSelection.assets(*(list(table.key) for table in catalog.SILVER_DAILY_TABLES))
    | dg.AssetSelection.groups("gold")
) - FRESHNESS_CHECKS

daily_job = dg.define_asset_job(
    "daily_job",
    selection=DAILY_SELECTION,
    tags=LAKE_WRITER_TAG,
    description="Conform a range of days into silver and rebuild gold for it.",
)


def build_new_days_sensor(grain: str) -> dg.SensorDefinition:
    """After bronze takes new rows, conform and rebuild exactly the partitions they touched, in one run."""

    @dg.asset_sensor(
        asset_key=dg.AssetKey(list(catalog.BRONZE_DAILY.key)),
        job=daily_job,
        default_status=dg.DefaultSensorStatus.STOPPED,
    )
    def new_days_sensor(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry, lake: LakeResource):
        materialization = asset_event.asset_materialization
        metadata = dict(materialization.metadata) if materialization else {}
        _, data_last = admitted_day_range(lake.lake())
        yield triggers.new_days(metadata, asset_event.storage_id, grain, data_last)

    return new_days_sensor


def build_reference_sensor(grain: str) -> dg.SensorDefinition:
    """A new well register or monthly sheet changes how every day conforms or reconciles: rebuild them all."""

    @dg.asset_sensor(
        asset_key=dg.AssetKey(list(catalog.RAW_LANDED_FILES.key)),
        job=daily_job,
        default_status=dg.DefaultSensorStatus.STOPPED,
    )
    def reference_changed_sensor(
        context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry, lake: LakeResource
    ):
        materialization = asset_event.asset_materialization
        kinds = materialization.metadata["kinds_added"].value if materialization else []
        yield triggers.reference_change(kinds, lake.lake(), asset_event.storage_id, grain)

    return reference_changed_sensor


def build_daily_refresh(grain: str) -> dg.ScheduleDefinition:
    """Every morning, rebuild the partition holding yesterday so late corrections reach gold."""

    @dg.schedule(
        cron_schedule="0 6 * * *",
        job=daily_job,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return triggers.daily_refresh(context.scheduled_execution_time or datetime.now(UTC), grain)

    return daily_refresh
