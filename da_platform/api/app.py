"""The FastAPI application of one environment: ``create_app(settings)``.

Everything the app reads belongs to ``settings``' environment: gold from its warehouse (read-only
snapshots, :mod:`da_platform.api.gold`), forecasts from its lake, keys from its key store, the explain
engine opened for it. That is one :class:`~da_platform.api.state.ApiState` on ``app.state``; the routes
live in :mod:`da_platform.api.routers` and take it from there. Tests pass their own explainer, key store,
rate limit or clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from da_platform.api import dependencies
from da_platform.api.keys import KeyStore
from da_platform.api.logs import RequestLogMiddleware
from da_platform.api.metrics import MetricsMiddleware
from da_platform.api.params import NAME_PATTERN
from da_platform.api.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from da_platform.api.ratelimit import AUTH_FAILURES, RateLimit
from da_platform.api.routers import ROUTERS
from da_platform.api.routers.dashboard import mount_static
from da_platform.api.state import attach, build_state

__all__ = ["NAME_PATTERN", "create_app"]


def create_app(
    settings,
    *,
    explainer: dependencies.Explainer | None = None,
    explainer_factory: Callable[[Any], dependencies.Explainer] | None = None,
    key_store: KeyStore | None = None,
    rate_limit: RateLimit | None = None,
    auth_failure_limit: RateLimit = AUTH_FAILURES,
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """The API of ``settings``' environment. ``explainer`` replaces the engine (tests); by default it is
    opened on first use with :func:`da_platform.api.dependencies.open_explainer`. ``auth_failure_limit``
    bounds wrong keys per client address (then 429 for any key from there until it refills)."""
    state = build_state(
        settings,
        explainer=explainer,
        explainer_factory=explainer_factory,
        key_store=key_store,
        rate_limit=rate_limit,
        auth_failure_limit=auth_failure_limit,
        clock=clock,
    )
    app = FastAPI(
        title="DatAlive API",
        version=state.version,
        description=(
            f"Production insights, forecasts and explanations of the **{state.environment}** environment. "
            "Send an API key of this environment as `X-API-Key` (`datalive keys create`). Errors are RFC 9457 "
            "problem details. Rate limits apply per key, and to wrong keys per client address (429 with Retry-After)."
        ),
        docs_url=None,  # Swagger UI and ReDoc load their assets from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    attach(app, state)
    install_problem_handlers(app)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)  # inside the log middleware: same request state
    app.add_middleware(RequestLogMiddleware, environment=state.environment)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    app.openapi = lambda: _openapi_with_problem_media_type(app)  # type: ignore[method-assign]
    return app


def _openapi_with_problem_media_type(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents every response model as application/json; errors are application/problem+json."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[:1] in ("4", "5") and "application/json" in content:
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        app.openapi_schema = schema
    return app.openapi_schema
