"""Lakehouse: silver's register, reported monthly totals and conformed well-days; the daily job, the sensors
that start it when bronze takes new days or a reference changes, and the morning refresh."""

from __future__ import annotations

import dagster as dg

from da_platform.defs.lakehouse.automation import (
    build_daily_refresh,
    build_new_days_sensor,
    build_reference_sensor,
    daily_job,
)
from da_platform.defs.lakehouse.silver import build_silver_daily, silver_monthly, silver_register
from da_platform.defs.partitions import production_partitions
from da_platform.env import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    """Silver assets (the well-days on the environment's partitions) with their checks, and what runs them."""
    grain = settings.partition_grain
    return dg.Definitions(
        assets=[silver_register, silver_monthly, build_silver_daily(production_partitions(settings))],
        jobs=[daily_job],
        sensors=[build_new_days_sensor(grain), build_reference_sensor(grain)],
        schedules=[build_daily_refresh(grain)],
    )
