"""The pending window: what a run that died (or failed) left for the next run to finish.

Derived from the lake and the Dagster instance, never from what the last ingest reported as new:

* silver: a partition whose admitted bronze rows differ from what its last silver build conformed, or
  that was built with another register or other reported monthly totals, or whose silver tables lost a
  commit its build made (a table below the version the build recorded: ``lakehouse.build_state``);
* gold: a partition whose latest planned build (the newest ``daily_job`` run covering it) did not succeed:
  it died, failed, or its checks never completed. A run that dies under SIGKILL stays ``STARTED`` in the
  instance forever; the next ``datalive run`` (holding the environment lock, so no one else can be
  running) marks such runs failed and rebuilds their windows.

Silver partitions are rebuilt with the days after them whose gold looks back into them; "up to date"
means nothing is pending. The functions at the top are pure (plain values in, plain values out); the
``plan``/``abandoned_runs`` adapters at the bottom read the lake and the instance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from da_platform.lakehouse.build_state import BuiltPartition, References

Grain = Literal["daily", "monthly"]
# Gold's 30-day moving averages look 29 days back (and day-over-day one day), so a change on day D
# moves gold rows up to D + 29: those days are rebuilt with it.
GOLD_LOOKBACK_DAYS = 29
DAILY_JOB = "daily_job"
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"
LAUNCHED_BY_TAG, PID_TAG = "datalive/launched_by", "datalive/pid"
UNFINISHED = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def partition_key_for(grain: str, day: date) -> str:
    """The partition key (YYYY-MM-DD: the day, or the first of its month) that holds a production day."""
    return day.isoformat() if grain == "daily" else day.replace(day=1).isoformat()


def _next_start(grain: str, start: date) -> date:
    if grain == "daily":
        return start + timedelta(days=1)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def partition_last_day(grain: str, key: str) -> date:
    """The last production day of a partition."""
    return _next_start(grain, date.fromisoformat(key)) - timedelta(days=1)


def partition_keys_between(grain: str, start_key: str, end_key: str) -> list[str]:
    """Every partition key from ``start_key`` to ``end_key`` inclusive."""
    keys, day, end = [], date.fromisoformat(start_key), date.fromisoformat(end_key)
    while day <= end:
        keys.append(day.isoformat())
        day = _next_start(grain, day)
    return keys


def days_to_rebuild(first: date, last: date, data_last: date | None) -> tuple[date, date]:
    """The changed days plus the following days whose gold looks back into them (never past the data)."""
    end = last + timedelta(days=GOLD_LOOKBACK_DAYS)
    if data_last is not None:
        end = min(end, max(last, data_last))
    return first, end


@dataclass(frozen=True)
class RunRecord:
    """A planned build as the Dagster instance holds it."""

    run_id: str
    status: str  # DagsterRunStatus name: SUCCESS, FAILURE, STARTED, …
    start_key: str
    end_key: str


@dataclass(frozen=True)
class Stale:
    """One partition that is behind, in which layer, and why."""

    key: str
    layer: Literal["silver", "gold"]
    reason: str


@dataclass(frozen=True)
class Pending:
    """Everything the next run has to rebuild, with the partition ranges it will run."""

    stale: tuple[Stale, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()
    unparsed: tuple[str, ...] = ()  # landed daily files bronze has not parsed yet (their days are unknown)

    @property
    def up_to_date(self) -> bool:
        """True when raw, bronze, silver and gold agree and every planned build (checks included) completed."""
        return not self.stale and not self.ranges and not self.unparsed

    def to_dict(self) -> dict[str, Any]:
        """For ``datalive status --json``."""
        return {
            "up_to_date": self.up_to_date,
            "ranges": [{"start": s, "end": e} for s, e in self.ranges],
            "bronze": [{"file": f, "reason": "landed in raw, not parsed into bronze yet"} for f in self.unparsed],
            "silver": [{"partition": s.key, "reason": s.reason} for s in self.stale if s.layer == "silver"],
            "gold": [{"partition": s.key, "reason": s.reason} for s in self.stale if s.layer == "gold"],
        }

    def describe(self) -> str:
        """One line per layer: which partitions and why (the first reasons)."""
        lines = []
        if self.unparsed:
            lines.append(
                f"bronze behind raw by {len(self.unparsed)} landed daily file(s): {', '.join(self.unparsed[:3])}"
            )
        for layer in ("silver", "gold"):
            items = [s for s in self.stale if s.layer == layer]
            if items:
                shown = "; ".join(f"{s.key}: {s.reason}" for s in items[:3])
                more = f"; and {len(items) - 3} more" if len(items) > 3 else ""
                lines.append(f"{layer} behind in {len(items)} partition(s): {shown}{more}")
        return "\n".join(lines)


def lost_commit(recorded: Mapping[str, int], current: Mapping[str, int | None]) -> str | None:
    """Why a partition's silver lost a commit its build made (a table now below the version that build
    recorded for it, or gone), or None. Delta versions only grow, so only a deleted log file lowers one."""
    for table, version in sorted(recorded.items()):
        now = current.get(table)
        if now is None:
            return f"{table} lost every commit (its build left it at version {version})"
        if now < version:
            return f"{table} is at version {now}, below the version {version} its build left it at (a commit was lost)"
    return None


def stale_silver(
    bronze_rows: Mapping[str, int],
    built: Mapping[str, BuiltPartition],
    refs: References,
    versions: Mapping[str, Mapping[str, int]] | None = None,
    current: Mapping[str, int | None] | None = None,
) -> list[Stale]:
    """Silver partitions that do not hold what bronze and the references hold now, or whose silver lost a
    commit since they were built (``versions``: what each build recorded; ``current``: the tables now)."""
    stale = []
    for key in sorted(set(bronze_rows) | {k for k, b in built.items() if b.bronze_rows}):
        rows, record = bronze_rows.get(key, 0), built.get(key)
        lost = lost_commit((versions or {}).get(key, {}), current or {})
        if record is None:
            reason = f"bronze holds {rows} rows never conformed into silver"
        elif lost is not None:
            reason = lost
        elif record.bronze_rows != rows:
            reason = f"bronze holds {rows} rows, silver was built from {record.bronze_rows}"
        elif record.register_fingerprint != refs.register:
            reason = "the well register changed since silver was built"
        elif record.monthly_fingerprint != refs.monthly:
            reason = "the reported monthly totals changed since gold was built"
        else:
            continue
        stale.append(Stale(key, "silver", reason))
    return stale


def unfinished_gold(runs: Iterable[RunRecord], grain: str, known: set[str]) -> list[Stale]:
    """Partitions whose newest planned build did not succeed (``runs`` newest first); stops reading runs
    once every ``known`` partition has been decided."""
    decided: set[str] = set()
    stale = []
    for run in runs:
        for key in partition_keys_between(grain, run.start_key, run.end_key):
            if key in decided:
                continue
            decided.add(key)
            if run.status != "SUCCESS":
                state = "never finished" if run.status in UNFINISHED else "ended"
                stale.append(Stale(key, "gold", f"its last build, run {run.run_id[:8]}, {state} ({run.status})"))
        if known and known <= decided:
            break
    return sorted(stale, key=lambda s: s.key)


def rebuild_ranges(stale: Iterable[Stale], grain: str, data_last: date | None) -> list[tuple[str, str]]:
    """Contiguous partition ranges to rebuild, one run each: stale gold partitions as they are, stale
    silver partitions with the following days whose gold looks back into them."""
    keys: set[str] = set()
    for item in stale:
        if item.layer == "gold":
            keys.add(item.key)
            continue
        first, last = date.fromisoformat(item.key), partition_last_day(grain, item.key)
        _, end = days_to_rebuild(first, last, data_last)
        keys.update(partition_keys_between(grain, item.key, partition_key_for(grain, end)))
    ranges: list[tuple[str, str]] = []
    for key in sorted(keys):
        if ranges and _next_start(grain, date.fromisoformat(ranges[-1][1])).isoformat() == key:
            ranges[-1] = (ranges[-1][0], key)
        else:
            ranges.append((key, key))
    return ranges


def full_range(bronze_rows: Mapping[str, int]) -> list[tuple[str, str]]:
    """Every partition that holds bronze rows, as one range (``--full``, or silver not built yet)."""
    return [(min(bronze_rows), max(bronze_rows))] if bronze_rows else []


# --- adapters: the lake and the Dagster instance ------------------------------------------------------


def _run_record(run: Any) -> RunRecord | None:
    tags = run.tags
    start, end = tags.get(RANGE_START), tags.get(RANGE_END)
    if not (start and end):
        start = end = tags.get(PARTITION_TAG)
    if not start:
        return None
    return RunRecord(run.run_id, run.status.name, start, end)


def planned_builds(instance: Any, page: int = 100) -> Iterable[RunRecord]:
    """The partitioned ``daily_job`` runs of an instance, newest first, read a page at a time."""
    from dagster import RunsFilter

    cursor = None
    while True:
        runs = instance.get_runs(filters=RunsFilter(job_name=DAILY_JOB), cursor=cursor, limit=page)
        for run in runs:
            record = _run_record(run)
            if record is not None:
                yield record
        if len(runs) < page:
            return
        cursor = runs[-1].run_id


def plan(lake: Any, instance: Any, grain: str, full: bool = False, include_raw: bool = True) -> Pending:
    """The pending window of an environment: stale partitions and the ranges the next run rebuilds.

    ``include_raw=False`` skips looking for raw files bronze has not parsed, for a caller whose ingest has
    just succeeded (it parsed them all): that look reads the lineage of every bronze row.
    """
    from da_platform.lakehouse.build_state import (
        bronze_rows_by_partition,
        current_versions,
        read_state,
        read_versions,
        references,
        unparsed_daily_files,
    )

    unparsed = tuple(unparsed_daily_files(lake)) if include_raw else ()
    bronze_rows = bronze_rows_by_partition(lake, grain)
    data_last = partition_last_day(grain, max(bronze_rows)) if bronze_rows else None
    versions = read_versions(lake)
    tables = {table for recorded in versions.values() for table in recorded}
    stale = stale_silver(bronze_rows, read_state(lake), references(lake), versions, current_versions(lake, tables))
    stale += unfinished_gold(planned_builds(instance), grain, set(bronze_rows))
    ranges = full_range(bronze_rows) if full else rebuild_ranges(stale, grain, data_last)
    return Pending(tuple(stale), tuple(ranges), unparsed)


def abandoned_runs(instance: Any) -> list[Any]:
    """Runs ``datalive`` started that never finished. Call only while holding the environment lock:
    then no other ``datalive`` command can be running, so each of them was left by a dead process."""
    from dagster import DagsterRunStatus, RunsFilter

    statuses = [DagsterRunStatus[name] for name in UNFINISHED]
    runs = instance.get_runs(filters=RunsFilter(statuses=statuses, tags={LAUNCHED_BY_TAG: "cli"}))
    return list(runs)


def mark_abandoned(instance: Any, runs: Iterable[Any]) -> list[str]:
    """Mark runs left by a dead process as failed, so the instance (and the Dagster UI) stops showing them
    as running; returns a line per run for the log."""
    lines = []
    for run in runs:
        pid = run.tags.get(PID_TAG, "?")
        message = f"left {run.status.name} by datalive process {pid}, which died; marked failed by the next run"
        instance.report_run_failed(run, message)
        lines.append(f"run {run.run_id[:8]} ({run.job_name}) {message}")
    return lines
