"""Raw file → bronze rows: the parsed table plus the lineage columns that tie each row to its bytes."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from da_platform.ingest.layouts import Layout
from da_platform.ingest.parsing import parse_file


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
