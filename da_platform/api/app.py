"""The FastAPI application of one environment: ``create_app(settings)``.

Everything the app reads belongs to ``settings``' environment: gold from its warehouse (read-only
snapshots, :mod:`da_platform.api.gold`), forecasts from its lake, keys from its key store, the explain
engine opened for it. Tests pass their own explainer, key store, rate limit or clock.
"""

import io
import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import orjson
import polars as pl
from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.security import APIKeyHeader
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from da_platform.api import dependencies
from da_platform.api.exports import to_csv
from da_platform.api.forecasts import ForecastReader, ForecastsUnavailable, field_forecast, well_forecast
from da_platform.api.gold import PLAN_BASIS, GoldReader, GoldUnavailable, InsightsQuery, insights
from da_platform.api.keys import InvalidKey, KeyStore, KeyStoreInvalid, MissingKey, WrongEnvironmentKey
from da_platform.api.logs import LOGGER, RequestLogMiddleware
from da_platform.api.metrics import ApiMetrics, MetricsMiddleware, gather_figures
from da_platform.api.models import (
    Catalog,
    Deferment,
    ExplainRequest,
    Explanation,
    ForecastSeries,
    Health,
    InsightsPage,
    Level,
    Problem,
    Product,
)
from da_platform.api.problems import PROBLEM_MEDIA_TYPE, ApiProblem, install_problem_handlers
from da_platform.api.ratelimit import AUTH_FAILURES, RateLimit, RateLimiter
from da_platform.gold.deferment import deferment_by_cause
from da_platform.identifiers import ID_PATTERN
from da_platform.lakehouse.delta_lake import open_lake
from da_platform.lakehouse.warehouse import open_warehouse
from da_platform.rag.events import events_from_raw

STATIC = Path(__file__).parent / "static"
MAX_PAGE_SIZE = 1000
MAX_EXPORT_ROWS = 200_000
# Well and field filters take exactly the ids the register may hold (one pattern, da_platform/identifiers.py).
NAME_PATTERN = ID_PATTERN
_HEALTH_TTL_S = 5.0
_REGISTRY_TTL_S = 60.0
log = logging.getLogger(LOGGER)

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key of this environment")

_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing, unknown or revoked key"},
    403: {"model": Problem, "description": "a key of another environment"},
    422: {"model": Problem, "description": "invalid parameters"},
    429: {"model": Problem, "description": "rate limit exceeded; see Retry-After"},
}


def _orjson(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _version() -> str:
    try:
        return metadata.version("datalive")
    except metadata.PackageNotFoundError:
        return "unknown"


class _Cached:
    """A value recomputed at most once per ``ttl`` seconds (readiness checks are not free)."""

    def __init__(self, ttl: float, compute: Callable[[], Any], clock: Callable[[], float]) -> None:
        self.ttl, self.compute, self.clock = ttl, compute, clock
        self._value: Any = None
        self._at: float | None = None
        self._lock = threading.Lock()

    def fresh(self) -> bool:
        return self._at is not None and self.clock() - self._at < self.ttl

    def get(self) -> Any:
        now = self.clock()
        if self._at is None or now - self._at >= self.ttl:
            with self._lock:
                if self._at is None or now - self._at >= self.ttl:
                    self._value = self.compute()
                    self._at = now
        return self._value


DEFERMENT_BASIS = "downtime_hrs / 24 x oil_sm3_ma7, attributed to the covering operator event"


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
    environment = settings.isolation_key
    keys = key_store or KeyStore(settings.env_root, environment)
    limiter = RateLimiter(rate_limit or RateLimit(*settings.api_rate_limit), clock=clock)
    failures = RateLimiter(auth_failure_limit, clock=clock, max_buckets=100_000)  # one per client address
    gold = GoldReader(open_warehouse(settings))
    lake = open_lake(settings)
    forecasts = ForecastReader(lake)
    factory = explainer_factory or dependencies.open_explainer
    engine: dict[str, Any] = {"explainer": explainer, "error": None}
    engine_lock = threading.Lock()

    def get_explainer() -> dependencies.Explainer:
        if engine["explainer"] is not None:
            return engine["explainer"]
        with engine_lock:
            if engine["explainer"] is None:
                try:
                    engine["explainer"] = factory(settings)
                    engine["error"] = None
                except dependencies.ExplainerUnavailable as exc:
                    engine["error"] = str(exc)
                    raise ApiProblem(503, "Explain engine unavailable", str(exc), "explain-unavailable") from exc
                except Exception as exc:
                    engine["error"] = "explain engine failed to open"
                    log.error(
                        "explain engine failed to open",
                        extra={"event": "explain_open_failed", "error_type": type(exc).__name__},
                    )
                    raise ApiProblem(503, "Explain engine unavailable", engine["error"], "explain-unavailable") from exc
        return engine["explainer"]

    def _auth_refused(client: str, wait: float) -> ApiProblem:
        # The audit line of a client that used up its failed attempts (address only: never the key it sent).
        log.warning(
            "authentication failures rate-limited",
            extra={"event": "auth_rate_limited", "audit": True, "environment": environment, "client": client},
        )
        return ApiProblem(
            429,
            "Too many failed authentications",
            f"Too many wrong keys from this address; retry in {int(wait)} s.",
            "auth-rate-limited",
            {"Retry-After": str(int(wait))},
        )

    # async: cheap CPU work, run on the event loop instead of paying a thread hop per request.
    async def authorize(request: Request, key: Annotated[str | None, Depends(_api_key)]) -> str:
        client = request.client.host if request.client else "unknown"
        if key and (wait := failures.blocked(environment, client)):
            raise _auth_refused(client, wait)  # checked before the key, so guessing learns nothing more
        try:
            record = keys.verify(key)
        except MissingKey as exc:
            raise ApiProblem(
                401,
                "API key required",
                "Send a key of this environment as X-API-Key.",
                "unauthorized",
                {"WWW-Authenticate": "APIKey"},
            ) from exc
        except (WrongEnvironmentKey, InvalidKey) as exc:
            # A sent key that fails is an attempt; a missing key guesses nothing and is not counted.
            if wait := failures.acquire(environment, client):
                raise _auth_refused(client, wait) from exc
            if isinstance(exc, WrongEnvironmentKey):
                raise ApiProblem(
                    403,
                    "Key of another environment",
                    f"This is the {environment} environment; its keys are not shared.",
                    "wrong-environment",
                ) from exc
            raise ApiProblem(
                401,
                "Invalid API key",
                "The key is unknown, malformed or revoked.",
                "unauthorized",
                {"WWW-Authenticate": "APIKey"},
            ) from exc
        except KeyStoreInvalid as exc:
            # Fail closed and say so: the server's own state is broken, not the caller's key.
            log.error("key store invalid", extra={"event": "key_store_invalid"})
            raise ApiProblem(503, "Key store unreadable", str(exc), "key-store-invalid") from exc
        request.state.key_id = record.key_id
        wait = limiter.acquire(environment, record.key_id)
        if wait:
            raise ApiProblem(
                429,
                "Too many requests",
                f"Rate limit of this key exceeded; retry in {int(wait)} s.",
                "rate-limited",
                {"Retry-After": str(int(wait))},
            )
        return record.key_id

    app = FastAPI(
        title="DatAlive API",
        version=_version(),
        description=(
            f"Production insights, forecasts and explanations of the **{environment}** environment. "
            "Send an API key of this environment as `X-API-Key` (`datalive keys create`). Errors are RFC 9457 "
            "problem details. Rate limits apply per key, and to wrong keys per client address (429 with Retry-After)."
        ),
        docs_url=None,  # Swagger UI and ReDoc load their assets from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    install_problem_handlers(app)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type", "X-Request-ID"],
        )
    metrics = ApiMetrics(
        settings.env,
        settings.pr_id,
        lambda: gather_figures(lake, gold, forecasts, _dagster_instance),
        settings.freshness_window_hours,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # inside the log middleware: same request state
    app.add_middleware(RequestLogMiddleware, environment=environment)

    instance: dict[str, Any] = {}

    def _dagster_instance() -> Any:
        """The environment's Dagster instance (run history), opened on the first scrape that finds one."""
        if "value" not in instance:
            if not (settings.dagster_home / "dagster.yaml").exists():
                return None
            from dagster import DagsterInstance

            instance["value"] = DagsterInstance.from_config(str(settings.dagster_home))
        return instance["value"]

    def _snapshot():
        try:
            return gold.snapshot()
        except GoldUnavailable as exc:
            raise ApiProblem(503, "Gold not available", str(exc), "gold-unavailable") from exc

    # -- health -------------------------------------------------------------------------------------

    def _warehouse_check() -> dict[str, Any]:
        try:
            snapshot = gold.snapshot()
        except GoldUnavailable:
            return {"ready": False, "detail": "no gold yet in this environment"}
        detail = f"gold loaded: {snapshot.well_days} well-days"
        if gold.last_error:
            detail += " (latest refresh failed; serving the previous snapshot)"
        return {"ready": True, "detail": detail}

    def _lake_check() -> dict[str, Any]:
        try:
            silver = lake.exists("silver/well_day_production")
            forecast = lake.exists("forecast/well_daily_forecasts")
        except Exception:
            return {"ready": False, "detail": "lake not readable"}
        if silver and forecast:
            return {"ready": True, "detail": "silver and forecasts present"}
        missing = [n for n, ok in (("silver", silver), ("forecasts", forecast)) if not ok]
        return {"ready": False, "detail": "missing: " + ", ".join(missing)}

    def _index_check() -> dict[str, Any]:
        try:
            status = get_explainer().index_status()
        except ApiProblem as exc:
            return {"ready": False, "detail": exc.detail or exc.title}
        except Exception:
            return {"ready": False, "detail": "index status unavailable"}
        ready = bool(status.get("ready"))
        return {"ready": ready, "detail": f"{int(status.get('chunks', 0))} chunks indexed" if ready else "not ready"}

    def _registry_check() -> dict[str, Any]:
        from da_platform.forecast.tracking import champion, target_for

        server = settings.mlflow_tracking_uri
        if not server and not (settings.env_root / "mlflow" / "mlflow.db").exists():
            return {"ready": False, "detail": "no model registry yet in this environment"}
        try:
            current = champion(target_for(server, settings.env_root, environment))
        except Exception:
            return {"ready": False, "detail": "model registry not readable"}
        if current is None:
            return {"ready": False, "detail": "no champion forecast policy promoted"}
        return {"ready": True, "detail": f"champion version {current.version}"}

    checks = {
        "warehouse": _Cached(1.0, _warehouse_check, clock),
        "lake": _Cached(_HEALTH_TTL_S, _lake_check, clock),
        "index": _Cached(_HEALTH_TTL_S, _index_check, clock),
        "model_registry": _Cached(_REGISTRY_TTL_S, _registry_check, clock),
    }
    version = _version()

    @app.get("/health", response_model=Health, tags=["health"], summary="Liveness and readiness of each dependency")
    async def health() -> Response:
        """Always 200 while the process serves; ``status`` is ``degraded`` when a dependency is not ready.
        No paths, hosts or secrets appear in the answer."""
        # A stale check may be slow (MLflow, the explain index): it runs off the event loop.
        results = {
            name: check.get() if check.fresh() else await run_in_threadpool(check.get) for name, check in checks.items()
        }
        status = "ok" if all(r["ready"] for r in results.values()) else "degraded"
        return _orjson({"status": status, "environment": environment, "version": version, "checks": results})

    # -- insights -----------------------------------------------------------------------------------

    async def insights_query(
        level: Annotated[Level, Query(description="one row per field-day or per well-day")] = Level.field,
        product: Annotated[Product, Query(description="whose volume and variances")] = Product.oil,
        field: Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["VOLVE"])] = None,
        well: Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["15/9-F-12"])] = None,
        start: Annotated[date | None, Query(description="first production date (inclusive)")] = None,
        end: Annotated[date | None, Query(description="last production date (inclusive)")] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    ) -> InsightsQuery:
        if start and end and start > end:
            raise ApiProblem(422, "Invalid request", "start is after end", "validation-error")
        if well is not None and level is Level.field:
            raise ApiProblem(422, "Invalid request", "a well filter needs level=well", "validation-error")
        return InsightsQuery(level.value, product.value, field, well, start, end, page, page_size)

    @app.get(
        "/insights",
        response_model=InsightsPage,
        responses=_AUTH_RESPONSES,
        tags=["insights"],
        summary="Daily production KPIs with variances vs previous day, 7-day average and plan",
    )
    async def get_insights(
        _key: Annotated[str, Depends(authorize)], query: Annotated[InsightsQuery, Depends(insights_query)]
    ) -> Response:
        """Rows ordered by date, field, well. *Plan* is the operator's reported monthly volume spread
        evenly over the month's days (Volve ships no budget; see `plan_basis`)."""
        rows, total = insights(_snapshot(), query)
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

    def _export_rows(query: InsightsQuery) -> pl.DataFrame:
        rows, total = insights(_snapshot(), query, paginate=False)
        if total > MAX_EXPORT_ROWS:
            raise ApiProblem(
                422,
                "Export too large",
                f"{total} rows match; narrow the filters to {MAX_EXPORT_ROWS} or fewer.",
                "export-too-large",
            )
        return rows

    @app.get(
        "/insights/export.csv",
        responses={**_AUTH_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "all matching rows"}},
        response_class=Response,
        tags=["insights"],
        summary="Every row of the insights query as CSV (no pagination)",
    )
    def export_csv(
        _key: Annotated[str, Depends(authorize)], query: Annotated[InsightsQuery, Depends(insights_query)]
    ) -> Response:
        body = to_csv(_export_rows(query))  # formula-looking text cells escaped (OWASP CSV injection)
        return Response(
            body, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="insights.csv"'}
        )

    @app.get(
        "/insights/export.parquet",
        responses={
            **_AUTH_RESPONSES,
            200: {"content": {"application/vnd.apache.parquet": {}}, "description": "all matching rows"},
        },
        response_class=Response,
        tags=["insights"],
        summary="Every row of the insights query as Parquet (no pagination)",
    )
    def export_parquet(
        _key: Annotated[str, Depends(authorize)], query: Annotated[InsightsQuery, Depends(insights_query)]
    ) -> Response:
        buffer = io.BytesIO()
        _export_rows(query).write_parquet(buffer)
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.apache.parquet",
            headers={"Content-Disposition": 'attachment; filename="insights.parquet"'},
        )

    @app.get(
        "/catalog",
        response_model=Catalog,
        responses=_AUTH_RESPONSES,
        tags=["insights"],
        summary="Fields, wells and the dates gold covers",
    )
    def catalog(_key: Annotated[str, Depends(authorize)]) -> Response:
        snapshot = _snapshot()
        dates = snapshot.levels["field"]["production_date"]
        wells = snapshot.wells.to_dicts()
        return _orjson(
            {
                "fields": sorted({w["field_id"] for w in wells if w["field_id"]}),
                "wells": wells,
                "first_date": dates.min(),
                "last_date": dates.max(),
            }
        )

    @app.get(
        "/deferment",
        response_model=Deferment,
        responses=_AUTH_RESPONSES,
        tags=["insights"],
        summary="Downtime and estimated deferred oil by cause (operator events), largest first",
    )
    def deferment(
        _key: Annotated[str, Depends(authorize)],
        field: Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["VOLVE"])] = None,
        well: Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["15/9-F-12"])] = None,
        start: Annotated[date | None, Query(description="first production date (inclusive)")] = None,
        end: Annotated[date | None, Query(description="last production date (inclusive)")] = None,
    ) -> Response:
        """Each well-day's downtime goes to the landed operator event covering it (latest-starting when
        several overlap) or to 'unspecified'; deferred oil is downtime/24 x the well's 7-day average oil."""
        if start and end and start > end:
            raise ApiProblem(422, "Invalid request", "start is after end", "validation-error")
        days = _snapshot().levels["well"]
        if field is not None:
            days = days.filter(pl.col("field_id") == field)
        if well is not None:
            days = days.filter(pl.col("well_id") == well)
        if start is not None:
            days = days.filter(pl.col("production_date") >= start)
        if end is not None:
            days = days.filter(pl.col("production_date") <= end)
        table = deferment_by_cause(days, events_from_raw(lake))
        head = {"field": field, "well": well, "start": start, "end": end, "basis": DEFERMENT_BASIS}
        return _orjson({**head, "items": table.to_dicts()})

    # -- forecasts ----------------------------------------------------------------------------------

    @app.get(
        "/forecasts",
        response_model=ForecastSeries,
        responses={
            **_AUTH_RESPONSES,
            404: {"model": Problem, "description": "no forecast for this well or field"},
            503: {"model": Problem, "description": "no forecasts yet"},
        },
        tags=["forecasts"],
        summary="P10/P50/P90 forecast of a well or a field, with the model version used",
    )
    def get_forecasts(
        _key: Annotated[str, Depends(authorize)],
        well: Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["15/9-F-12"])] = None,
        field: Annotated[str | None, Query(pattern=NAME_PATTERN, examples=["VOLVE"])] = None,
        product: Product = Product.oil,
        horizon_days: Annotated[int, Query(ge=1, le=90, description="days after the last landed day")] = 30,
    ) -> Response:
        if (well is None) == (field is None):
            raise ApiProblem(422, "Invalid request", "give exactly one of well or field", "validation-error")
        try:
            table = forecasts.table()
        except ForecastsUnavailable as exc:
            raise ApiProblem(503, "Forecasts not available", str(exc), "forecasts-unavailable") from exc
        if well is not None:
            answer, level, ident = well_forecast(table, well, product.value, horizon_days), "well", well
        else:
            wells = _snapshot().wells.filter(pl.col("field_id") == field)["well_id"].to_list()
            answer, level, ident = field_forecast(table, wells, product.value, horizon_days), "field", field
        if answer is None:
            raise ApiProblem(404, "No forecast", f"no {product.value} forecast for {level} {ident!r}", "not-found")
        return _orjson(
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

    # -- explanations -------------------------------------------------------------------------------

    @app.post(
        "/rag/explain",
        response_model=Explanation,
        responses={**_AUTH_RESPONSES, 503: {"model": Problem, "description": "explain engine unavailable"}},
        tags=["explain"],
        summary="Answer a question about production with citations and the facts used, or refuse",
    )
    async def explain(_key: Annotated[str, Depends(authorize)], body: ExplainRequest) -> Explanation:
        engine_now = await run_in_threadpool(get_explainer)
        result = await run_in_threadpool(engine_now.explain, body.question)
        payload = result.to_dict() if hasattr(result, "to_dict") else result
        answer = Explanation.model_validate(payload)
        metrics.explained(answer.refused)
        return answer

    # -- metrics ------------------------------------------------------------------------------------

    @app.get("/metrics", include_in_schema=False, response_class=Response)
    async def prometheus_metrics(request: Request, key: Annotated[str | None, Depends(_api_key)]) -> Response:
        """Prometheus text format. Needs a key of this environment, as X-API-Key or as a bearer token (what
        Prometheus' scrape ``authorization`` sends): the series name key ids and volumes of the service."""
        bearer = request.headers.get("authorization", "")
        await authorize(request, key or (bearer[7:].strip() if bearer[:7].lower() == "bearer " else None))
        body = await run_in_threadpool(generate_latest, metrics.registry)  # the lakehouse gauges read the lake
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    # -- the dashboard ------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(
            _plotly_bundle(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
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


def _plotly_bundle() -> Path:
    """plotly.js as shipped inside the ``plotly`` wheel (installed from PyPI, served locally, no CDN)."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ApiProblem(503, "Charting library missing", "the plotly package is not installed", "plotly-missing")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
