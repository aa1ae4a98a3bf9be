"""Operator events (downtime with cause, well tests, workovers) read from the raw zone.

Format of ``landing/events/*.csv`` (UTF-8, comma separated, header row): ``event_id, well, start, end,
category, cause, comment, source``; ``start`` and ``end`` are inclusive ``YYYY-MM-DD`` dates, ``well`` a
register well id. Events land through raw like every other file, so raw keeps every byte; the index reads
the latest version of each events file from raw. Text in ``cause`` and ``comment`` is data: it is quoted,
never followed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import polars as pl

from da_platform.ingest.layouts import EVENTS
from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE
from da_platform.lakehouse.delta_lake import Lake


@dataclass(frozen=True)
class Event:
    """One operator event on one well over an inclusive date range."""

    event_id: str
    well_id: str
    start: date
    end: date
    category: str
    cause: str
    comment: str
    source_file: str


def parse_events(text: str, source_file: str) -> list[Event]:
    """Rows of one events file; rows without a valid id, well or dates are skipped (and not indexed)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c.source for c in EVENTS.columns if c.required and c.source not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{source_file}: events file lacks the column(s) {', '.join(missing)}")
    events: list[Event] = []
    for row in reader:
        try:
            start, end = date.fromisoformat(row["start"].strip()), date.fromisoformat(row["end"].strip())
        except (ValueError, AttributeError):
            continue
        if not row["event_id"] or not row["well"] or end < start:
            continue
        events.append(
            Event(
                event_id=row["event_id"].strip(),
                well_id=row["well"].strip(),
                start=start,
                end=end,
                category=(row.get("category") or "").strip(),
                cause=(row.get("cause") or "").strip(),
                comment=(row.get("comment") or "").strip(),
                source_file=source_file,
            )
        )
    return events


def events_from_raw(lake: Lake) -> list[Event]:
    """Every event in the latest version of each landed events file (empty when none landed)."""
    if not lake.exists(MANIFEST_TABLE):
        return []
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA).filter(pl.col("kind") == EVENTS.kind)
    latest = manifest.sort("version").group_by("file_name").last().sort("file_name")
    events: list[Event] = []
    for name, raw_path in latest.select("file_name", "raw_path").iter_rows():
        data = lake.read_bytes(raw_path)
        events.extend(parse_events(data.decode("utf-8"), f"landing/events/{name}"))
    return events
