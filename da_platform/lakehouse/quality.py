"""Quality rules behind the asset checks, as plain functions returning the problems they found."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from da_platform.lakehouse.cleaning import SilverResult


def schema_problems(frame: pl.DataFrame, contract: dict[str, pl.DataType]) -> list[str]:
    """Columns missing, unexpected or of the wrong type compared with the contract."""
    problems = [f"missing column {c}" for c in contract if c not in frame.schema]
    problems += [f"unexpected column {c}" for c in frame.schema if c not in contract]
    problems += [
        f"{c} is {frame.schema[c]}, contract says {t}"
        for c, t in contract.items()
        if c in frame.schema and frame.schema[c] != t
    ]
    return problems


def duplicated_keys(frame: pl.DataFrame, keys: list[str]) -> list[str]:
    """Key combinations that occur more than once."""
    dups = frame.group_by(keys).len().filter(pl.col("len") > 1)
    return [f"{dict(zip(keys, row[:-1], strict=True))} appears {row[-1]} times" for row in dups.rows()]


def null_counts(frame: pl.DataFrame, columns: list[str]) -> list[str]:
    """Required columns that hold nulls."""
    return [f"{c}: {n} null" for c in columns if (n := frame[c].null_count())]


def hours_out_of_range(frame: pl.DataFrame) -> list[str]:
    """On-stream hours below 0 or above the longer of 24 h and the local day."""
    bad = frame.filter(
        (pl.col("on_stream_hrs") < 0) | (pl.col("on_stream_hrs") > pl.max_horizontal(pl.lit(24.0), pl.col("day_hours")))
    )
    return [f"{r['well_id']} {r['production_date']}: {r['on_stream_hrs']} h" for r in bad.iter_rows(named=True)]


def values_out_of_range(frame: pl.DataFrame) -> list[str]:
    """Numbers silver must never hold: NaN or infinite, or outside their plausible range per well-day
    (the bounds of the cleaning rules; the check guards every engine that writes silver)."""
    from da_platform.lakehouse.cleaning import VALUE_BOUNDS

    floats = [c for c, t in frame.schema.items() if t == pl.Float64]
    bounded = {c: b for c, b in VALUE_BOUNDS.items() if c in frame.columns}
    problems = [f"{c}: {n} not finite" for c in floats if (n := int((~frame[c].is_finite()).sum()))]
    problems += [
        f"{c}: {n} outside {b.low:g}..{b.high:g} {b.unit}"
        for c, b in bounded.items()
        if (n := int(((frame[c] < b.low) | (frame[c] > b.high)).sum()))
    ]
    return problems


def accounted(bronze_rows: int, result: SilverResult) -> list[str]:
    """Every bronze row of the window must land in production, injection or quarantine, exactly once."""
    landed = result.production.height + result.injection.height + result.quarantine.height
    if landed == bronze_rows:
        return []
    return [f"{bronze_rows} bronze rows but {landed} in silver + quarantine"]
