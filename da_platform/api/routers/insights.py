"""``/insights`` and its exports: daily production KPIs of gold with their variances, paged or whole."""

from __future__ import annotations

import io
from typing import Annotated

import orjson
import polars as pl
from fastapi import APIRouter, Depends, Query, Response

from da_platform.api.auth import AUTH_RESPONSES, Authorized
from da_platform.api.exports import to_csv
from da_platform.api.gold import PLAN_BASIS, InsightsQuery, insights
from da_platform.api.models import InsightsPage, Level, Product
from da_platform.api.params import EndDate, FieldFilter, StartDate, WellFilter, check_date_range
from da_platform.api.problems import ApiProblem
from da_platform.api.state import ApiState, State

MAX_PAGE_SIZE = 1000
MAX_EXPORT_ROWS = 200_000

router = APIRouter(tags=["insights"])


async def insights_query(
    level: Annotated[Level, Query(description="one row per field-day or per well-day")] = Level.field,
    product: Annotated[Product, Query(description="whose volume and variances")] = Product.oil,
    field: FieldFilter = None,
    well: WellFilter = None,
    start: StartDate = None,
    end: EndDate = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
) -> InsightsQuery:
    """The query of ``/insights`` and its exports, with the rules that span parameters checked."""
    check_date_range(start, end)
    if well is not None and level is Level.field:
        raise ApiProblem(422, "Invalid request", "a well filter needs level=well", "validation-error")
    return InsightsQuery(level.value, product.value, field, well, start, end, page, page_size)


InsightsParams = Annotated[InsightsQuery, Depends(insights_query)]


@router.get(
    "/insights",
    response_model=InsightsPage,
    responses=AUTH_RESPONSES,
    summary="Daily production KPIs with variances vs previous day, 7-day average and plan",
)
async def get_insights(_key: Authorized, query: InsightsParams, state: State) -> Response:
    """Rows ordered by date, field, well. *Plan* is the operator's reported monthly volume spread
    evenly over the month's days (Volve ships no budget; see `plan_basis`)."""
    rows, total = insights(state.snapshot(), query)
    head = {
        "level": query.level,
        "product": query.product,
        "plan_basis": PLAN_BASIS,
        "page": query.page,
        "page_size": query.page_size,
        "total": total,
    }
    # The rows are serialised by polars (native) and spliced in: the body is exactly InsightsPage.
    body = orjson.dumps(head)[:-1] + b',"items":' + rows.write_json().encode() + b"}"
    return Response(body, media_type="application/json")


def _export_rows(state: ApiState, query: InsightsQuery) -> pl.DataFrame:
    rows, total = insights(state.snapshot(), query, paginate=False)
    if total > MAX_EXPORT_ROWS:
        raise ApiProblem(
            422,
            "Export too large",
            f"{total} rows match; narrow the filters to {MAX_EXPORT_ROWS} or fewer.",
            "export-too-large",
        )
    return rows


@router.get(
    "/insights/export.csv",
    responses={**AUTH_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "all matching rows"}},
    response_class=Response,
    summary="Every row of the insights query as CSV (no pagination)",
)
def export_csv(_key: Authorized, query: InsightsParams, state: State) -> Response:
    body = to_csv(_export_rows(state, query))  # formula-looking text cells escaped (OWASP CSV injection)
    return Response(body, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="insights.csv"'})


@router.get(
    "/insights/export.parquet",
    responses={
        **AUTH_RESPONSES,
        200: {"content": {"application/vnd.apache.parquet": {}}, "description": "all matching rows"},
    },
    response_class=Response,
    summary="Every row of the insights query as Parquet (no pagination)",
)
def export_parquet(_key: Authorized, query: InsightsParams, state: State) -> Response:
    buffer = io.BytesIO()
    _export_rows(state, query).write_parquet(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.apache.parquet",
        headers={"Content-Disposition": 'attachment; filename="insights.parquet"'},
    )
