"""``/health``: liveness of the process and readiness of each dependency (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from da_platform.api.models import Health
from da_platform.api.responses import orjson_response
from da_platform.api.state import State

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Liveness and readiness of each dependency")
async def health(state: State) -> Response:
    """Always 200 while the process serves; ``status`` is ``degraded`` when a dependency is not ready.
    No paths, hosts or secrets appear in the answer."""
    # A stale check may be slow (MLflow, the explain index): it runs off the event loop.
    results = {
        name: check.get() if check.fresh() else await run_in_threadpool(check.get)
        for name, check in state.checks.items()
    }
    status = "ok" if all(r["ready"] for r in results.values()) else "degraded"
    return orjson_response(
        {"status": status, "environment": state.environment, "version": state.version, "checks": results}
    )
