"""Test-only fault injection: stop the process dead at a named phase of a run.

``DATALIVE_CRASH_AT=<point>`` (read in :mod:`da_platform.env`, carried by ``Settings.crash_at`` and the
platform resource) makes the run SIGKILL itself when it reaches that point, so a test can reproduce a
crash at each phase deterministically instead of racing a timer. Unset, every call is a no-op. Never set
it in a deployment.
"""

from __future__ import annotations

import os
import signal

CRASH_POINTS = (
    "after_raw",  # raw copies and manifest written, bronze not started
    "after_bronze",  # new daily rows appended to bronze, silver not started
    "in_silver",  # the first span of the window replaced in the silver Delta tables, the warehouse not yet
    "in_dbt_models",  # the first dbt model of the window materialized, the others not
    "between_models_and_checks",  # every dbt model materialized, their tests not all recorded
)


def crash_here(point: str, crash_at: str | None) -> None:
    """SIGKILL this process when ``point`` is the configured crash point (no cleanup, as in a real crash)."""
    if crash_at and crash_at == point:
        os.kill(os.getpid(), signal.SIGKILL)
