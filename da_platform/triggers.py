"""What to run, per trigger: the run requests each way of starting a build asks for.

One function per trigger, each returning Dagster ``RunRequest`` / ``SkipReason`` values:

* :func:`landing` — new or changed landed files become one ingest request, keyed by their paths and hashes;
* :func:`new_days` — the day range bronze reported becomes one ``daily_job`` range request, with the days
  after it whose gold looks back into it;
* :func:`reference_change` — a landed register or monthly sheet (``catalog.REFERENCE_KINDS``) becomes one
  request over every admitted day;
* :func:`daily_refresh` — a schedule tick becomes a request for the partition holding yesterday;
* :func:`pending_window` — the pending window (``pending.plan``) becomes one range request per range.

The sensors and the schedule (``defs/ingest/automation.py``, ``defs/lakehouse/automation.py``) and
``datalive run`` (``run_steps.py``) all ask these functions; the decisions live here and nowhere else.
Nothing here reads the lake or the instance: callers pass in what they read, or the lake to read from
(the landing folder :func:`landing` scans, the admitted day range :func:`reference_change` reads only when
a reference kind landed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from da_platform.catalog import REFERENCE_KINDS
from da_platform.ingest import raw_zone
from da_platform.ingest.bronze import admitted_day_range
from da_platform.lakehouse.delta_lake import Lake
from da_platform.pending import RANGE_END, RANGE_START, Pending, days_to_rebuild, partition_key_for

FILES_TAG = "datalive/files"


def changed_files(landing: Path, cursor: dict[str, list]) -> tuple[list[tuple[str, str]], dict[str, list]]:
    """Files that are new or changed since the cursor: (relative path, sha256), plus the new cursor.

    The cursor keeps size, mtime and sha256 per path so unchanged files are not hashed again, and it
    survives restarts because Dagster stores it with the sensor.
    """
    changed: list[tuple[str, str]] = []
    new_cursor: dict[str, list] = {}
    if not landing.is_dir():
        return changed, cursor
    # Links are never followed (the raw asset skips them too): a link's target is not the landing's to hash.
    files = (p for p in landing.rglob("*") if p.is_file() and not p.is_symlink() and not p.name.startswith("."))
    for path in sorted(files):
        rel = path.relative_to(landing).as_posix()
        if rel.split("/", 1)[0] not in raw_zone.LANDING_KINDS:
            continue
        stat = path.stat()
        previous = cursor.get(rel)
        if previous and previous[0] == stat.st_size and previous[1] == stat.st_mtime_ns:
            new_cursor[rel] = previous
            continue
        sha = raw_zone.sha256_of(path)
        new_cursor[rel] = [stat.st_size, stat.st_mtime_ns, sha]
        if not previous or previous[2] != sha:
            changed.append((rel, sha))
    return changed, new_cursor


def landing_requests(changed: Iterable[tuple[str, str]]) -> list[dg.RunRequest]:
    """One ingest request for a batch of changed files (none for none); its run key is built from every
    path and sha256, so the same batch never starts two runs and any new byte starts one."""
    batch = list(changed)
    if not batch:
        return []
    run_key = hashlib.sha256("\n".join(f"{p}:{s}" for p, s in batch).encode()).hexdigest()
    return [dg.RunRequest(run_key=run_key, tags={FILES_TAG: str(len(batch))})]


def landing(folder: Path, cursor: dict[str, list]) -> tuple[list[dg.RunRequest], dict[str, list]]:
    """The landing trigger: the ingest requests for what changed in ``folder`` since ``cursor``, and the
    cursor to keep."""
    changed, new_cursor = changed_files(folder, cursor)
    return landing_requests(changed), new_cursor


def _value(item: Any) -> Any:
    """A metadata entry's plain value (a ``MetadataValue`` or the value itself)."""
    return getattr(item, "value", item)


def new_days(
    metadata: Mapping[str, Any], storage_id: int, grain: str, data_last: str | None = None
) -> dg.RunRequest | dg.SkipReason:
    """The one run that conforms the partitions holding the days a bronze materialization reported
    (``first_date``/``last_date`` in ``metadata``), and the days after them whose gold looks back into them
    (never past ``data_last``, the last admitted day)."""
    first_day, last_day = _value(metadata.get("first_date")), _value(metadata.get("last_date"))
    if not first_day or not last_day:
        return dg.SkipReason("bronze took no dated rows")
    start, end = days_to_rebuild(
        date.fromisoformat(str(first_day)),
        date.fromisoformat(str(last_day)),
        date.fromisoformat(data_last) if data_last else None,
    )
    return dg.RunRequest(
        run_key=f"days:{storage_id}",
        tags={RANGE_START: partition_key_for(grain, start), RANGE_END: partition_key_for(grain, end)},
    )


def reference_change(kinds: Iterable[str], lake: Lake, storage_id: int, grain: str) -> dg.RunRequest | dg.SkipReason:
    """A new well register or monthly sheet changes how every day conforms or reconciles: one request over
    every day bronze admitted (read from ``lake`` only then) when the landed ``kinds`` include a reference
    kind."""
    landed = set(kinds)
    if not landed & REFERENCE_KINDS:
        return dg.SkipReason(f"no register or monthly sheet landed (kinds: {sorted(landed)})")
    first, last = admitted_day_range(lake)
    return new_days({"first_date": first, "last_date": last}, storage_id, grain)


def daily_refresh(tick: datetime, grain: str) -> dg.RunRequest:
    """The morning rebuild of the partition holding the day before ``tick``, so late corrections reach gold."""
    yesterday: date = tick.date() - timedelta(days=1)
    return dg.RunRequest(partition_key=partition_key_for(grain, yesterday))


def pending_window(pending: Pending) -> list[dg.RunRequest]:
    """One ``daily_job`` range request per range of the pending window, in order (``datalive run``)."""
    return [dg.RunRequest(tags={RANGE_START: start, RANGE_END: end}) for start, end in pending.ranges]
