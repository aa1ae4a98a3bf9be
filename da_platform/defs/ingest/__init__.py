"""Ingest: land files byte for byte into raw, parse them into bronze; the landing sensor and the ingest job."""

from __future__ import annotations

import dagster as dg

from da_platform.defs.ingest.assets import bronze_daily, bronze_monthly, bronze_register, landed_files
from da_platform.defs.ingest.automation import ingest_job, landing_sensor
from da_platform.env import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    """Raw and bronze assets with their checks, the ingest job and the sensor that starts it."""
    return dg.Definitions(
        assets=[landed_files, bronze_daily, bronze_monthly, bronze_register],
        jobs=[ingest_job],
        sensors=[landing_sensor],
    )
