"""Ops: freshness checks on silver and gold with the sensor that evaluates them, the alert sensors, and the
sensors that write every finished run to the audit trail."""

from __future__ import annotations

import dagster as dg

from da_platform.defs.ops.audit_sensors import build_audit_sensors
from da_platform.defs.ops.observability import build_observability
from da_platform.env import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    """The environment's freshness checks, alert sensors and audit sensors."""
    freshness_checks, observability_sensors = build_observability(settings)
    return dg.Definitions(
        asset_checks=freshness_checks, sensors=[*observability_sensors, *build_audit_sensors(settings)]
    )
