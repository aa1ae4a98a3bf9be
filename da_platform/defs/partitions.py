"""The time partitions that silver and gold share.

The data grain is always the well-day; the Dagster partition is a production day or a production
month (``DATALIVE_PARTITION_GRAIN``, default ``monthly``). Dagster's SQLite event log writes a few rows per
partition and asset in a range run, so daily partitions made the first load of the Volve history (3,380
days x 20 assets) spend far longer writing events than doing the work (the README's benchmark section has
the figures). The dev instance keeps its event-log connections open (``event_log_private.py``), but every
event is still a few SQLite writes. A month is also the unit the operator reconciles against (the reported
monthly sheet), and rerunning the month of a changed day costs about a second. Deployments whose event
log is PostgreSQL (Dagster+) can choose daily partitions. Either way partitions are idempotent: each run
replaces exactly the days of its window.
"""

import dagster as dg

from da_platform.env import Settings

# The pure partition arithmetic lives with the pending-window logic; re-exported for the Dagster wiring.
from da_platform.pending import GOLD_LOOKBACK_DAYS, days_to_rebuild, partition_key_for  # noqa: F401


def production_partitions(settings: Settings) -> dg.TimeWindowPartitionsDefinition:
    """One partition per production day or month, from the first configured day up to today."""
    if settings.partition_grain == "daily":
        return dg.DailyPartitionsDefinition(start_date=settings.partitions_start.isoformat(), end_offset=1)
    first = settings.partitions_start.replace(day=1)
    return dg.MonthlyPartitionsDefinition(start_date=first.isoformat(), end_offset=1)
