"""The API's routes, one :class:`fastapi.APIRouter` per concern; each reads :class:`~da_platform.api.state.ApiState`.

``ROUTERS`` is the order :func:`da_platform.api.app.create_app` includes them in, which is also the order
of the paths in the OpenAPI schema.
"""

from __future__ import annotations

from da_platform.api.routers import catalog, dashboard, deferment, explain, forecasts, health, insights, metrics

ROUTERS = (
    health.router,
    insights.router,
    catalog.router,
    deferment.router,
    forecasts.router,
    explain.router,
    metrics.router,
    dashboard.router,
)
