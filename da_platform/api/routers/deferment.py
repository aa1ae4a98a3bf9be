"""``/deferment``: downtime and the oil it deferred, by the operator event that caused it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from da_platform.api.auth import AUTH_RESPONSES, Authorized
from da_platform.api.models import Deferment
from da_platform.api.params import DayFilter, day_filter
from da_platform.api.responses import orjson_response
from da_platform.api.state import State
from da_platform.gold.deferment import deferment_by_cause
from da_platform.rag.events import events_from_raw

DEFERMENT_BASIS = "downtime_hrs / 24 x oil_sm3_ma7, attributed to the covering operator event"

router = APIRouter(tags=["insights"])


@router.get(
    "/deferment",
    response_model=Deferment,
    responses=AUTH_RESPONSES,
    summary="Downtime and estimated deferred oil by cause (operator events), largest first",
)
def deferment(_key: Authorized, days: Annotated[DayFilter, Depends(day_filter)], state: State) -> Response:
    """Each well-day's downtime goes to the landed operator event covering it (latest-starting when
    several overlap) or to 'unspecified'; deferred oil is downtime/24 x the well's 7-day average oil."""
    table = deferment_by_cause(days.apply(state.snapshot().levels["well"]), events_from_raw(state.lake))
    head = {"field": days.field, "well": days.well, "start": days.start, "end": days.end, "basis": DEFERMENT_BASIS}
    return orjson_response({**head, "items": table.to_dicts()})
