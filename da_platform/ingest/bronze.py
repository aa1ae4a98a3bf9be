"""Raw file → bronze rows: the parsed table plus the lineage columns that tie each row to its bytes."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from da_platform.ingest.layouts import Layout
from da_platform.ingest.parsing import parse_file
from da_platform.lakehouse.delta_lake import Lake

DAILY_TABLE = "bronze/daily_reports"


def bronze_rows(
    data: bytes, layout: Layout, file_name: str, sha256: str, version: int, arrived_at: datetime
) -> tuple[pl.DataFrame, list[str]]:
    """Parse one raw file into bronze rows; returns the rows and the unknown columns it brought.

    Raises :class:`~da_platform.ingest.parsing.FileRejected` when the file cannot be read at all.
    """
    parsed = parse_file(data, file_name, layout)
    frame = parsed.frame.with_columns(
        source_file=pl.lit(file_name),
        source_sha256=pl.lit(sha256),
        source_version=pl.lit(version, dtype=pl.Int64()),
        arrived_at=pl.lit(arrived_at, dtype=pl.Datetime("us", "UTC")),
    )
    return frame, parsed.extra_columns


def admitted_day_range(lake: Lake) -> tuple[str | None, str | None]:
    """First and last production day (ISO) among bronze daily rows that can be placed on a partition."""
    if not lake.exists(DAILY_TABLE):
        return None, None
    days = (
        lake.scan(DAILY_TABLE)
        .filter(pl.col("admitted"))
        .select(first=pl.col("production_date").min(), last=pl.col("production_date").max())
        .collect()
    )
    first, last = days["first"][0], days["last"][0]
    return (first.isoformat(), last.isoformat()) if first else (None, None)
