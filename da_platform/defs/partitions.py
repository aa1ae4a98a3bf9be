"""The time partitions that silver and gold share.

The data grain is always the well-day; the Dagster partition is a production day or a production
month (``DATALIVE_PARTITION_GRAIN``, default ``monthly``). Measured here, Dagster's stock SQLite event
log cost 11-19 ms per partition per asset in a range run: daily partitions made the first load of the
Volve history (3,380 days x 20 assets) spend about 11 minutes writing events around 10 seconds of
work, while monthly partitions took about a minute in all. The dev instance now keeps its event-log
connections open (``event_log_storage.py``), which cut the whole Volve run from 107 s to 74 s, but every
event is still a few SQLite writes. A month is also the unit the operator
reconciles against (the reported monthly sheet), and rerunning the month of a changed day costs about
a second. Deployments whose event log is PostgreSQL (Dagster+) can choose daily partitions. Either way
partitions are idempotent: each run replaces exactly the days of its window.
"""

from datetime import date, timedelta

import dagster as dg

from da_platform.env import Settings


def production_partitions(settings: Settings) -> dg.TimeWindowPartitionsDefinition:
    """One partition per production day or month, from the first configured day up to today."""
    if settings.partition_grain == "daily":
        return dg.DailyPartitionsDefinition(start_date=settings.partitions_start.isoformat(), end_offset=1)
    first = settings.partitions_start.replace(day=1)
    return dg.MonthlyPartitionsDefinition(start_date=first.isoformat(), end_offset=1)


def partition_key_for(grain: str, day: date) -> str:
    """The partition key (YYYY-MM-DD: the day, or the first of its month) that holds a production day."""
    return day.isoformat() if grain == "daily" else day.replace(day=1).isoformat()


# Gold's 30-day moving averages look 29 days back (and day-over-day one day), so a change on day D
# moves gold rows up to D + 29: those days are rebuilt with it.
GOLD_LOOKBACK_DAYS = 29


def days_to_rebuild(first: date, last: date, data_last: date | None) -> tuple[date, date]:
    """The changed days plus the following days whose gold looks back into them (never past the data)."""
    end = last + timedelta(days=GOLD_LOOKBACK_DAYS)
    if data_last is not None:
        end = min(end, max(last, data_last))
    return first, end
