"""``/catalog``: the fields, wells and dates gold covers (what a client may filter on)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from da_platform.api.auth import AUTH_RESPONSES, Authorized
from da_platform.api.models import Catalog
from da_platform.api.responses import orjson_response
from da_platform.api.state import State

router = APIRouter(tags=["insights"])


@router.get(
    "/catalog", response_model=Catalog, responses=AUTH_RESPONSES, summary="Fields, wells and the dates gold covers"
)
def catalog(_key: Authorized, state: State) -> Response:
    snapshot = state.snapshot()
    dates = snapshot.levels["field"]["production_date"]
    wells = snapshot.wells.to_dicts()
    return orjson_response(
        {
            "fields": sorted({w["field_id"] for w in wells if w["field_id"]}),
            "wells": wells,
            "first_date": dates.min(),
            "last_date": dates.max(),
        }
    )
