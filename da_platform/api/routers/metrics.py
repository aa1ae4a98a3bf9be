"""``/metrics``: the Prometheus text of this app's registry (not in the OpenAPI schema)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from da_platform.api.auth import api_key, authorize
from da_platform.api.state import State

router = APIRouter()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


@router.get("/metrics", include_in_schema=False, response_class=Response)
async def prometheus_metrics(request: Request, key: Annotated[str | None, Depends(api_key)], state: State) -> Response:
    """Prometheus text format. Needs a key of this environment, as X-API-Key or as a bearer token (what
    Prometheus' scrape ``authorization`` sends): the series name key ids and volumes of the service."""
    await authorize(request, key or _bearer(request))
    body = await run_in_threadpool(generate_latest, state.metrics.registry)  # the lakehouse gauges read the lake
    return Response(body, media_type=CONTENT_TYPE_LATEST)
