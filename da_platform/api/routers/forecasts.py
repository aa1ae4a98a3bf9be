"""``/forecasts``: the P10/P50/P90 bands of a well or a field, read from the environment's forecast table."""

from __future__ import annotations

from typing import Annotated

import polars as pl
from fastapi import APIRouter, Query, Response

from da_platform.api.auth import AUTH_RESPONSES, Authorized
from da_platform.api.forecasts import ForecastsUnavailable, field_forecast, well_forecast
from da_platform.api.models import ForecastSeries, Problem, Product
from da_platform.api.params import FieldFilter, WellFilter
from da_platform.api.problems import ApiProblem
from da_platform.api.responses import orjson_response
from da_platform.api.state import State

router = APIRouter(tags=["forecasts"])


@router.get(
    "/forecasts",
    response_model=ForecastSeries,
    responses={
        **AUTH_RESPONSES,
        404: {"model": Problem, "description": "no forecast for this well or field"},
        503: {"model": Problem, "description": "no forecasts yet"},
    },
    summary="P10/P50/P90 forecast of a well or a field, with the model version used",
)
def get_forecasts(
    _key: Authorized,
    well: WellFilter = None,
    field: FieldFilter = None,
    product: Product = Product.oil,
    horizon_days: Annotated[int, Query(ge=1, le=90, description="days after the last landed day")] = 30,
    *,
    state: State,
) -> Response:
    if (well is None) == (field is None):
        raise ApiProblem(422, "Invalid request", "give exactly one of well or field", "validation-error")
    try:
        table = state.forecasts.table()
    except ForecastsUnavailable as exc:
        raise ApiProblem(503, "Forecasts not available", str(exc), "forecasts-unavailable") from exc
    if well is not None:
        answer, level, ident = well_forecast(table, well, product.value, horizon_days), "well", well
    else:
        wells = state.snapshot().wells.filter(pl.col("field_id") == field)["well_id"].to_list()
        answer, level, ident = field_forecast(table, wells, product.value, horizon_days), "field", field
    if answer is None:
        raise ApiProblem(404, "No forecast", f"no {product.value} forecast for {level} {ident!r}", "not-found")
    return orjson_response(
        {
            "level": level,
            "id": ident,
            "product": product.value,
            "horizon_days": len(answer.points),
            "basis": answer.basis,
            "model_version": answer.model_version,
            "mlflow_run_id": answer.mlflow_run_id,
            "models": answer.models,
            "statuses": answer.statuses,
            "origin": answer.origin,
            "points": answer.points,
        }
    )
