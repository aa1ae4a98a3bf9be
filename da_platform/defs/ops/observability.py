"""Freshness checks on silver and gold, the sensor that evaluates them, and the alert sensors.

The verdicts and alert texts come from :mod:`da_platform.ops.freshness` and :mod:`da_platform.ops.alerts`;
this module only wires them into Dagster. Sensors are built from the environment's ``Settings`` inside
``build_definitions`` (never at import), so the webhook URL stays out of resource config and the UI.
"""

import json
import warnings
from collections.abc import Callable
from datetime import UTC, datetime

import dagster as dg

from da_platform import catalog
from da_platform.defs.policy import asset_key
from da_platform.defs.resources import LakeResource, WarehouseResource
from da_platform.env import Settings
from da_platform.ops import alerts, freshness

FRESHNESS_CHECK = "freshness_check"  # the name Dagster's own freshness checks carry
SILVER_KEY = asset_key(catalog.SILVER_PRODUCTION)
GOLD_KEY = asset_key(catalog.GOLD_WELL_DAILY)  # the table freshness.GOLD_TABLE names
LAYER_OF = {SILVER_KEY: "silver", GOLD_KEY: "gold"}
# Dagster's freshness metadata keys: its freshness sensor reads the first to know when to look again.
FRESH_UNTIL = "dagster/fresh_until_timestamp"
OVERDUE_SECONDS = "dagster/overdue_seconds"
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _sensor_status(settings: Settings) -> dg.DefaultSensorStatus:
    # Shared environments are watched from the moment they deploy; on a laptop the sensors start when asked.
    return dg.DefaultSensorStatus.STOPPED if settings.env == "dev" else dg.DefaultSensorStatus.RUNNING


def build_freshness_checks(settings: Settings, clock: Clock = _now) -> dg.AssetChecksDefinition:
    """``freshness_check`` on silver's and gold's daily well tables: the newest production day must be the
    one due ``settings.freshness_window_hours`` after it ended (see :mod:`da_platform.ops.freshness`)."""
    window = settings.freshness_window_hours
    severity = dg.AssetCheckSeverity.ERROR if settings.env == "prod" else dg.AssetCheckSeverity.WARN
    specs = [
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=key,
            description=f"the production day that ended {window} h ago is in {LAYER_OF[key]}",
        )
        for key in (SILVER_KEY, GOLD_KEY)
    ]

    @dg.multi_asset_check(specs=specs, can_subset=True, name="freshness_checks")
    def freshness_checks(context: dg.AssetCheckExecutionContext, lake: LakeResource, warehouse: WarehouseResource):
        report = freshness.freshness_report(lake.lake(), warehouse.warehouse(), clock(), window)
        for check_key in context.selected_asset_check_keys:
            verdict = report[LAYER_OF[check_key.asset_key]]
            metadata: dict[str, dg.RawMetadataValue] = {
                "newest_day": str(verdict.newest_day),
                "due_day": str(verdict.due_day),
                "window_hours": window,
            }
            if verdict.fresh_until:
                metadata[FRESH_UNTIL] = dg.MetadataValue.timestamp(verdict.fresh_until)
            elif verdict.error:
                metadata["error"] = verdict.error
            else:
                metadata[OVERDUE_SECONDS] = verdict.overdue_seconds
            yield dg.AssetCheckResult(
                asset_key=check_key.asset_key,
                check_name=FRESHNESS_CHECK,
                passed=verdict.fresh,
                severity=severity,
                description=verdict.describe(),
                metadata=metadata,
            )

    return freshness_checks


def build_freshness_sensor(settings: Settings, checks: dg.AssetChecksDefinition) -> dg.SensorDefinition:
    """Dagster's freshness sensor: evaluates each check when it could have gone stale, not on every tick."""
    # Dagster marks it superseded by FreshnessPolicy, which is not partition-aware (DESIGN.md §5).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=[checks], minimum_interval_seconds=600, default_status=_sensor_status(settings)
        )


def build_run_failure_alert_sensor(settings: Settings, **deliver_options) -> dg.SensorDefinition:
    """One alert per failed run of this code location, down the environment's route. Dagster's run-status
    cursor moves past a run only when the tick succeeds, so a route that is down is retried, never skipped."""

    @dg.run_failure_sensor(
        name="run_failure_alert_sensor", minimum_interval_seconds=30, default_status=_sensor_status(settings)
    )
    def run_failure_alert_sensor(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        messages = [context.failure_event.message or ""]
        for step in context.get_step_failure_events():
            error, depth = getattr(step.event_specific_data, "error", None), 0
            while error is not None and depth < 3:  # the op's own exception is usually the first cause
                messages.append(f"{step.step_key}: {error.message.strip()}")
                error, depth = error.cause, depth + 1
        alert = alerts.run_failure_alert(settings, job=run.job_name, run_id=run.run_id, message="\n".join(messages))
        route = alerts.deliver(alert, settings, **deliver_options)
        # Also in the tick's log (the Dagster UI): a dev log line at INFO has no handler outside Dagster.
        context.log.info(f"alert sent via {route}: {alert.payload()['text']}")

    return run_failure_alert_sensor


def build_freshness_alert_sensor(settings: Settings, clock: Clock = _now, **deliver_options) -> dg.SensorDefinition:
    """Alert once when a layer goes stale (and again only after it was fresh in between). The state of each
    layer is the sensor's cursor, so the next tick of a breach that persists sends nothing."""
    window = settings.freshness_window_hours

    @dg.sensor(name="freshness_alert_sensor", minimum_interval_seconds=600, default_status=_sensor_status(settings))
    def freshness_alert_sensor(
        context: dg.SensorEvaluationContext, lake: LakeResource, warehouse: WarehouseResource
    ) -> dg.SensorResult:
        state: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        report = freshness.freshness_report(lake.lake(), warehouse.warehouse(), clock(), window)
        newly_stale = [
            layer
            for layer, verdict in report.items()
            if not verdict.fresh and not verdict.error and state.get(layer) != "stale"
        ]
        if newly_stale:
            # One alert per breach, on the most upstream stale layer: gold going stale because silver did is
            # the same incident (named in the text), not a second page.
            layer = newly_stale[0]
            description = " ".join(report[name].describe() + "." for name in newly_stale)
            asset = (SILVER_KEY if layer == "silver" else GOLD_KEY).to_user_string()
            alert = alerts.freshness_alert(settings, asset=asset, description=description)
            route = alerts.deliver(alert, settings, **deliver_options)  # raises: the cursor stays, next tick retries
            context.log.info(f"alert sent via {route}: {alert.payload()['text']}")
        for layer, verdict in report.items():
            if not verdict.error:  # an unreadable layer keeps its last known state
                state[layer] = "fresh" if verdict.fresh else "stale"
        reason = f"alerted: {', '.join(newly_stale)} stale" if newly_stale else "no new freshness breach"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=json.dumps(state, sort_keys=True))

    return freshness_alert_sensor


def build_observability(settings: Settings) -> tuple[list[dg.AssetChecksDefinition], list[dg.SensorDefinition]]:
    """The freshness checks and the three sensors of one environment, for ``build_definitions``."""
    checks = build_freshness_checks(settings)
    sensors = [
        build_freshness_sensor(settings, checks),
        build_run_failure_alert_sensor(settings),
        build_freshness_alert_sensor(settings),
    ]
    return [checks], sensors
