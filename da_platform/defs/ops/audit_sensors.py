"""Run-status sensors that write every finished Dagster run, and who or what started it, to the audit trail."""

from __future__ import annotations

import dagster as dg

from da_platform.env import Settings


def run_actor(tags: dict[str, str]) -> str:
    """Who or what started a run, from the tags Dagster puts on it: a sensor, a schedule, a backfill, a user."""
    if name := tags.get("dagster/sensor_name"):
        return f"sensor:{name}"
    if name := tags.get("dagster/schedule_name"):
        return f"schedule:{name}"
    if backfill := tags.get("dagster/backfill"):
        return f"backfill:{backfill}"
    if user := tags.get("dagster/user") or tags.get("user"):
        return f"user:{user}"
    return "dagster"


def _record(settings: Settings, context: dg.RunStatusSensorContext, outcome: str) -> None:
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops import audit

    run = context.dagster_run
    tags = dict(run.tags)
    detail = {"run_id": run.run_id}
    for tag in ("dagster/partition", "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"):
        if tag in tags:
            detail[tag.split("/", 1)[1]] = tags[tag]
    audit.record(settings, open_lake(settings), run_actor(tags), "run", run.job_name, outcome, detail)


def build_audit_sensors(settings: Settings) -> list[dg.SensorDefinition]:
    """One sensor for successful and one for failed runs of this code location."""

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="audit_run_success_sensor",
        description="Appends each successful run, and who started it, to the environment's audit trail.",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def audit_run_success(context: dg.RunStatusSensorContext) -> None:
        _record(settings, context, "success")

    @dg.run_failure_sensor(
        name="audit_run_failure_sensor",
        description="Appends each failed run, and who started it, to the environment's audit trail.",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def audit_run_failure(context: dg.RunFailureSensorContext) -> None:
        _record(settings, context, "failure")

    return [audit_run_success, audit_run_failure]
