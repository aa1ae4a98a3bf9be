"""Query parameters shared by several routes, declared once so they validate and document alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

import polars as pl
from fastapi import Query

from da_platform.api.problems import ApiProblem
from da_platform.identifiers import ID_PATTERN

# Well and field filters take exactly the ids the register may hold (one pattern, da_platform/identifiers.py).
NAME_PATTERN = ID_PATTERN

FieldFilter = Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["VOLVE"])]
WellFilter = Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["15/9-F-12"])]
StartDate = Annotated[date | None, Query(description="first production date (inclusive)")]
EndDate = Annotated[date | None, Query(description="last production date (inclusive)")]


def check_date_range(start: date | None, end: date | None) -> None:
    """A 422 problem when the range ends before it starts (OpenAPI cannot say one parameter bounds another)."""
    if start and end and start > end:
        raise ApiProblem(422, "Invalid request", "start is after end", "validation-error")


@dataclass(frozen=True)
class DayFilter:
    """Which well-days a route reads: one field or well, from ``start`` to ``end`` (each optional)."""

    field: str | None = None
    well: str | None = None
    start: date | None = None
    end: date | None = None

    def apply(self, days: pl.DataFrame) -> pl.DataFrame:
        """The rows of ``days`` (``field_id``, ``well_id``, ``production_date``) the filter keeps."""
        if self.field is not None:
            days = days.filter(pl.col("field_id") == self.field)
        if self.well is not None:
            days = days.filter(pl.col("well_id") == self.well)
        if self.start is not None:
            days = days.filter(pl.col("production_date") >= self.start)
        if self.end is not None:
            days = days.filter(pl.col("production_date") <= self.end)
        return days


async def day_filter(
    field: FieldFilter = None, well: WellFilter = None, start: StartDate = None, end: EndDate = None
) -> DayFilter:
    """FastAPI dependency: the four filter parameters, the range checked."""
    check_date_range(start, end)
    return DayFilter(field, well, start, end)
