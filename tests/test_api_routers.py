"""Each API router on its own: mounted alone on a bare FastAPI app that carries an ApiState of a real
environment (two Volve months, the fixture test_api.py uses) or of an empty one."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from da_platform.api.auth import Authorized
from da_platform.api.dependencies import ExplainerUnavailable
from da_platform.api.params import DayFilter
from da_platform.api.problems import install_problem_handlers
from da_platform.api.ratelimit import RateLimit
from da_platform.api.routers import ROUTERS, catalog, dashboard, deferment, explain, forecasts, health, insights
from da_platform.api.routers import metrics as metrics_router
from da_platform.api.state import ApiState, attach, build_state
from da_platform.catalog import FORECAST_WELL_DAILY
from da_platform.env import Settings, load_settings
from tests.conftest import VOLVE_API_SLICE, StubExplainer

FIRST, LAST = (date.fromisoformat(day) for day in VOLVE_API_SLICE)
GENEROUS = RateLimit(per_minute=100_000, burst=100_000)


@pytest.fixture(scope="module")
def settings(volve_api_home: Path) -> Settings:
    return load_settings({"DATALIVE_HOME": str(volve_api_home)})


@pytest.fixture
def state(settings: Settings) -> ApiState:
    return build_state(settings, explainer=StubExplainer(), rate_limit=GENEROUS)


@pytest.fixture
def key(state: ApiState) -> str:
    """A fresh key in the environment's store (the one every state of this module reads)."""
    return state.keys.create("router-tests")[0]


@pytest.fixture
def empty(tmp_path: Path) -> ApiState:
    """The state of an environment nothing has run in yet."""
    return build_state(load_settings({"DATALIVE_HOME": str(tmp_path / "home")}), explainer=StubExplainer())


def mounted(state: ApiState, *routers: APIRouter) -> TestClient:
    """A bare app with ``state`` and only ``routers`` (and the problem handlers every route relies on)."""
    app = FastAPI()
    attach(app, state)
    install_problem_handlers(app)
    for router in routers:
        app.include_router(router)
    return TestClient(app)


def gold_rows(settings: Settings, sql: str, params: list | None = None) -> pl.DataFrame:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).pl()


def paths(*routers: APIRouter) -> set[str]:
    return {route.path for router in routers for route in router.routes}


# -- the app is its routers ----------------------------------------------------------------------------


def test_create_app_serves_exactly_the_routes_of_its_routers(settings: Settings) -> None:
    from da_platform.api.app import create_app

    schema_paths = set(create_app(settings, explainer=StubExplainer()).openapi()["paths"])
    documented = {r.path for router in ROUTERS for r in router.routes if getattr(r, "include_in_schema", True)}
    assert schema_paths == documented
    assert paths(*ROUTERS) >= {"/health", "/insights", "/catalog", "/forecasts", "/rag/explain", "/metrics", "/"}


def test_a_router_mounted_alone_serves_only_its_own_paths(state: ApiState, key: str) -> None:
    client = mounted(state, catalog.router)
    assert client.get("/catalog", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/insights", headers={"X-API-Key": key}).status_code == 404


# -- health ----------------------------------------------------------------------------------------------


def test_health_alone_reports_the_state_checks_without_a_key(state: ApiState) -> None:
    body = mounted(state, health.router).get("/health").json()
    assert list(body["checks"]) == ["warehouse", "lake", "index", "model_registry"]
    assert body["checks"]["warehouse"]["ready"] and body["checks"]["lake"]["ready"]
    assert body["checks"]["index"] == {"ready": True, "detail": "3 chunks indexed"}
    assert (body["environment"], body["version"]) == ("dev", state.version)


def test_health_alone_of_an_empty_environment_is_degraded_naming_what_is_missing(empty: ApiState) -> None:
    body = mounted(empty, health.router).get("/health").json()
    assert body["status"] == "degraded"
    assert body["checks"]["warehouse"] == {"ready": False, "detail": "no gold yet in this environment"}
    assert body["checks"]["lake"] == {"ready": False, "detail": "missing: silver, forecasts"}


def test_health_checks_are_cached_until_their_ttl_passes(settings: Settings) -> None:
    now = [0.0]
    opened: list[Settings] = []

    def factory(s: Settings) -> StubExplainer:
        opened.append(s)
        raise ExplainerUnavailable("explain engine not installed")

    client = mounted(build_state(settings, explainer_factory=factory, clock=lambda: now[0]), health.router)
    assert [client.get("/health").json()["checks"]["index"]["ready"] for _ in range(3)] == [False] * 3
    assert len(opened) == 1  # one attempt per cache window, not per request
    now[0] += 5.0
    client.get("/health")
    assert len(opened) == 2


# -- authorisation ---------------------------------------------------------------------------------------


def _guarded() -> APIRouter:
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(key_id: Authorized) -> dict:
        return {"key_id": key_id}

    return router


def test_the_auth_dependency_answers_the_key_id_of_a_live_key(state: ApiState, key: str) -> None:
    client = mounted(state, _guarded())
    assert client.get("/whoami", headers={"X-API-Key": key}).json() == {"key_id": key.split("_")[2]}
    missing = client.get("/whoami")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "APIKey"


def test_the_auth_dependency_applies_the_state_rate_limit_per_key(settings: Settings, key: str) -> None:
    tight = build_state(settings, explainer=StubExplainer(), rate_limit=RateLimit(60, 1), clock=lambda: 0.0)
    client = mounted(tight, _guarded())
    assert client.get("/whoami", headers={"X-API-Key": key}).status_code == 200
    refused = client.get("/whoami", headers={"X-API-Key": key})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"


# -- insights --------------------------------------------------------------------------------------------


def test_insights_alone_page_the_well_days_of_gold(state: ApiState, settings: Settings, key: str) -> None:
    params = {"level": "well", "start": "2016-03-01", "end": "2016-03-07", "page_size": 10}
    body = mounted(state, insights.router).get("/insights", params=params, headers={"X-API-Key": key}).json()
    expected = gold_rows(
        settings,
        "SELECT count(*) FROM gold.fct_well_daily_production WHERE production_date BETWEEN ? AND ?",
        [date(2016, 3, 1), date(2016, 3, 7)],
    ).item()
    assert body["total"] == expected > 10
    assert len(body["items"]) == 10 and body["page"] == 1


def test_insights_exports_alone_hold_every_matching_row(state: ApiState, key: str) -> None:
    client = mounted(state, insights.router)
    params = {"level": "well", "well": "15/9-F-12"}
    total = client.get("/insights", params=params, headers={"X-API-Key": key}).json()["total"]
    csv = client.get("/insights/export.csv", params=params, headers={"X-API-Key": key})
    parquet = client.get("/insights/export.parquet", params=params, headers={"X-API-Key": key})
    assert pl.read_csv(io.BytesIO(csv.content)).height == total == (LAST - FIRST).days + 1
    assert pl.read_parquet(io.BytesIO(parquet.content))["well_id"].unique().to_list() == ["15/9-F-12"]


def test_insights_alone_refuse_a_well_filter_on_field_rows(state: ApiState, key: str) -> None:
    response = mounted(state, insights.router).get(
        "/insights", params={"well": "15/9-F-12"}, headers={"X-API-Key": key}
    )
    assert response.status_code == 422 and response.json()["detail"] == "a well filter needs level=well"


# -- catalog ---------------------------------------------------------------------------------------------


def test_catalog_alone_lists_the_fields_wells_and_dates_of_gold(state: ApiState, settings: Settings, key: str) -> None:
    body = mounted(state, catalog.router).get("/catalog", headers={"X-API-Key": key}).json()
    wells = gold_rows(settings, "SELECT well_id FROM gold.dim_well ORDER BY well_id")["well_id"].to_list()
    assert body["fields"] == ["VOLVE"] and [w["well_id"] for w in body["wells"]] == wells
    assert (body["first_date"], body["last_date"]) == VOLVE_API_SLICE


def test_catalog_alone_before_any_gold_is_a_503_problem(empty: ApiState) -> None:
    created, _ = empty.keys.create("bi")
    response = mounted(empty, catalog.router).get("/catalog", headers={"X-API-Key": created})
    assert response.status_code == 503
    assert response.json()["type"].endswith("/gold-unavailable")


# -- deferment -------------------------------------------------------------------------------------------


def test_deferment_alone_without_landed_events_puts_all_downtime_on_unspecified(
    state: ApiState, settings: Settings, key: str
) -> None:
    body = mounted(state, deferment.router).get("/deferment", params={"well": "15/9-F-14"}, headers={"X-API-Key": key})
    downtime = gold_rows(
        settings,
        "SELECT sum(downtime_hrs) FROM gold.fct_well_daily_production WHERE well_id = '15/9-F-14' AND downtime_hrs > 0",
    ).item()
    (row,) = body.json()["items"]
    assert row["cause"] == "unspecified" and row["downtime_hrs"] == pytest.approx(downtime)
    assert body.json()["well"] == "15/9-F-14"


def test_deferment_alone_refuses_a_range_that_ends_before_it_starts(state: ApiState, key: str) -> None:
    params = {"start": "2016-03-02", "end": "2016-03-01"}
    response = mounted(state, deferment.router).get("/deferment", params=params, headers={"X-API-Key": key})
    assert response.status_code == 422 and response.json()["detail"] == "start is after end"


def test_a_day_filter_keeps_the_well_days_of_its_well_and_range(state: ApiState) -> None:
    days = state.snapshot().levels["well"]
    kept = DayFilter(field="VOLVE", well="15/9-F-12", start=date(2016, 3, 1), end=date(2016, 3, 10)).apply(days)
    assert kept["well_id"].unique().to_list() == ["15/9-F-12"]
    assert kept["production_date"].to_list() == [date(2016, 3, d) for d in range(1, 11)]
    assert DayFilter().apply(days).height == days.height


# -- forecasts -------------------------------------------------------------------------------------------


def test_forecasts_alone_give_a_well_its_table_bands(state: ApiState, settings: Settings, key: str) -> None:
    params = {"well": "15/9-F-12", "horizon_days": 7}
    body = mounted(state, forecasts.router).get("/forecasts", params=params, headers={"X-API-Key": key}).json()
    table = (
        pl.read_delta(str(settings.lake_root / FORECAST_WELL_DAILY.path))
        .filter((pl.col("well_id") == "15/9-F-12") & (pl.col("product") == "oil"))
        .sort("date")
    )
    assert [p["p50"] for p in body["points"]] == pytest.approx(table["p50"].head(7).to_list())
    assert body["origin"] == VOLVE_API_SLICE[1]


def test_forecasts_alone_before_any_forecast_are_a_503_problem(empty: ApiState) -> None:
    created, _ = empty.keys.create("bi")
    client = mounted(empty, forecasts.router)
    response = client.get("/forecasts", params={"well": "15/9-F-12"}, headers={"X-API-Key": created})
    assert response.status_code == 503 and response.json()["type"].endswith("/forecasts-unavailable")


# -- explain ---------------------------------------------------------------------------------------------


def test_explain_alone_answers_from_the_state_engine_and_counts_the_outcome(state: ApiState, key: str) -> None:
    client = mounted(state, explain.router)
    answer = client.post("/rag/explain", json={"question": "Why did F-12 drop?"}, headers={"X-API-Key": key}).json()
    refusal = client.post("/rag/explain", json={"question": "And the weather?"}, headers={"X-API-Key": key}).json()
    assert answer["answer"] == "Answer to: Why did F-12 drop? [c1]" and refusal["refused"] is True
    counts = {
        s.labels["outcome"]: s.value
        for metric in state.metrics.registry.collect()
        if metric.name == "datalive_api_explanations"
        for s in metric.samples
        if s.name.endswith("_total")
    }
    assert counts == {"answered": 1.0, "refused": 1.0}


def _engine_state(settings: Settings, factory: Callable[[Settings], StubExplainer]) -> ApiState:
    return build_state(settings, explainer_factory=factory, rate_limit=GENEROUS)


def test_explain_alone_opens_the_engine_once_on_first_use(settings: Settings, key: str) -> None:
    opened: list[StubExplainer] = []

    def factory(_settings: Settings) -> StubExplainer:
        opened.append(StubExplainer())
        return opened[-1]

    client = mounted(_engine_state(settings, factory), explain.router)
    assert opened == []  # building the state opens nothing
    for question in ("why?", "and then?"):
        assert client.post("/rag/explain", json={"question": question}, headers={"X-API-Key": key}).status_code == 200
    assert len(opened) == 1 and opened[0].questions == ["why?", "and then?"]


def test_explain_alone_retries_an_engine_that_failed_to_open(settings: Settings, key: str) -> None:
    attempts: list[int] = []

    def factory(_settings: Settings) -> StubExplainer:
        attempts.append(1)
        if len(attempts) == 1:
            raise ExplainerUnavailable("index not built yet")
        return StubExplainer()

    client = mounted(_engine_state(settings, factory), explain.router)
    first = client.post("/rag/explain", json={"question": "why?"}, headers={"X-API-Key": key})
    assert first.status_code == 503 and first.json()["detail"] == "index not built yet"
    assert client.post("/rag/explain", json={"question": "why?"}, headers={"X-API-Key": key}).status_code == 200


# -- metrics ---------------------------------------------------------------------------------------------


def test_metrics_alone_serve_the_state_registry_to_a_bearer_key(state: ApiState, key: str) -> None:
    client = mounted(state, metrics_router.router)
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert 'datalive_lakehouse_rows{environment="dev",layer="silver"}' in response.text


# -- dashboard -------------------------------------------------------------------------------------------


def test_the_dashboard_alone_serves_its_page_scripts_and_charting_library(empty: ApiState) -> None:
    client = mounted(empty, dashboard.router)
    dashboard.mount_static(client.app)
    assert "text/html" in client.get("/").headers["content-type"]
    assert client.get("/static/dashboard.js").status_code == 200
    bundle = client.get("/static/vendor/plotly.min.js")  # the route, not a file of the static mount
    assert bundle.status_code == 200 and bundle.headers["cache-control"] == "public, max-age=86400"
