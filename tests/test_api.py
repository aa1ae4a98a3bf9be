"""The HTTP API on real gold: two Volve months built by `datalive run`, forecasts by their Dagster asset."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import hypothesis
import polars as pl
import pytest
import schemathesis
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from da_platform.api.app import create_app
from da_platform.api.keys import KeyStore
from da_platform.api.logs import JsonFormatter
from da_platform.api.models import ForecastSeries, Health, InsightsPage, Problem
from da_platform.api.ratelimit import RateLimit
from da_platform.env import Settings, load_settings
from tests.conftest import VOLVE_API_SLICE, StubExplainer

FIRST, LAST = VOLVE_API_SLICE
GENEROUS = RateLimit(per_minute=100_000, burst=100_000)


@pytest.fixture(scope="module")
def home(volve_api_home: Path) -> Path:
    return volve_api_home


@pytest.fixture(scope="module")
def settings(home: Path) -> Settings:
    return load_settings({"DATALIVE_HOME": str(home)})


@pytest.fixture(scope="module")
def key(settings: Settings) -> str:
    created, _ = KeyStore(settings.env_root, settings.isolation_key).create("tests")
    return created


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, explainer=StubExplainer(), rate_limit=GENEROUS))


def gold(home: Path, sql: str, params: list | None = None) -> pl.DataFrame:
    with duckdb.connect(str(home / "dev" / "warehouse" / "datalive_dev.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).pl()


def get(client: TestClient, key: str, path: str, **params):
    return client.get(path, params=params, headers={"X-API-Key": key})


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = Problem.model_validate(response.json()).model_dump()
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body


# -- health ----------------------------------------------------------------------------------------


def test_health_reports_each_dependency_without_paths(client: TestClient, home: Path) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = Health.model_validate(response.json())
    assert set(body.checks) == {"warehouse", "lake", "index", "model_registry"}
    assert body.checks["warehouse"].ready and body.checks["lake"].ready and body.checks["index"].ready
    assert body.environment == "dev"
    assert str(home) not in response.text and "/tmp" not in response.text and ".duckdb" not in response.text


def test_health_without_a_champion_says_the_registry_is_not_ready(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["checks"]["model_registry"]["ready"] is False
    assert body["status"] == "degraded"


@pytest.fixture
def engine_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the explain engine is not installed (the API must still run and say so)."""
    monkeypatch.setattr("da_platform.api.dependencies.ENGINE_MODULE", "da_platform.rag.not_installed")


def test_health_without_the_explain_engine_reports_the_index_not_ready(settings: Settings, engine_missing) -> None:
    body = TestClient(create_app(settings)).get("/health").json()
    assert body["checks"]["index"] == {"ready": False, "detail": "explain engine not installed"}


def test_health_of_an_empty_environment_is_degraded_not_an_error(tmp_path: Path) -> None:
    empty = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    response = TestClient(create_app(empty)).get("/health")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert not checks["warehouse"]["ready"] and not checks["lake"]["ready"]


# -- auth ------------------------------------------------------------------------------------------


def test_a_request_without_a_key_is_401(client: TestClient) -> None:
    response = client.get("/insights")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "APIKey"


def test_a_wrong_key_is_401(client: TestClient, key: str) -> None:
    assert_problem(get(client, key[:-2] + "xx", "/insights"), 401)
    assert_problem(get(client, "hunter2", "/insights"), 401)


def test_a_key_of_another_environment_is_403(client: TestClient, settings: Settings) -> None:
    prod_key, _ = KeyStore(settings.home / "prod", "prod").create("prod-bi")
    body = assert_problem(get(client, prod_key, "/insights"), 403)
    assert "dev" in body["detail"]


def test_a_prod_server_refuses_a_dev_key_even_with_the_dev_store_copied_in(settings: Settings, key: str) -> None:
    prod = replace(settings, env="prod")
    (prod.env_root / "api").mkdir(parents=True, exist_ok=True)
    (prod.env_root / "api" / "keys.json").write_bytes((settings.env_root / "api" / "keys.json").read_bytes())
    prod_client = TestClient(create_app(prod, explainer=StubExplainer()))
    assert_problem(get(prod_client, key, "/insights"), 403)
    assert_problem(get(prod_client, key.replace("dlk_dev_", "dlk_prod_", 1), "/insights"), 401)


def test_an_invalid_key_store_is_a_503_problem_saying_what_to_fix(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    store = KeyStore(settings.env_root, settings.isolation_key)
    key, _ = store.create("bi")
    store.path.write_text('{"keys": [', encoding="utf-8")  # truncated by a bad copy or a full disk

    body = assert_problem(get(TestClient(create_app(settings)), key, "/catalog"), 503)

    assert body["type"].endswith("/key-store-invalid")
    assert "api/keys.json" in body["detail"] and "datalive keys create" in body["detail"]
    assert str(tmp_path) not in body["detail"]


def test_a_revoked_key_is_401_and_its_rotation_partner_keeps_working(client: TestClient, settings: Settings) -> None:
    store = KeyStore(settings.env_root, settings.isolation_key)
    old, old_record = store.create("rotating-old")
    new, _ = store.create("rotating-new")
    assert get(client, old, "/catalog").status_code == 200
    assert get(client, new, "/catalog").status_code == 200
    store.revoke(old_record.key_id)
    assert_problem(get(client, old, "/catalog"), 401)
    assert get(client, new, "/catalog").status_code == 200


# -- rate limits -----------------------------------------------------------------------------------


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(settings: Settings) -> None:
    now = [0.0]
    app = create_app(
        settings, explainer=StubExplainer(), rate_limit=RateLimit(per_minute=30, burst=2), clock=lambda: now[0]
    )
    limited = TestClient(app)
    store = KeyStore(settings.env_root, settings.isolation_key)
    first, _ = store.create("limited-1")
    second, _ = store.create("limited-2")
    assert [get(limited, first, "/catalog").status_code for _ in range(2)] == [200, 200]
    response = get(limited, first, "/catalog")
    assert_problem(response, 429)
    assert response.headers["retry-after"] == "2"
    assert get(limited, second, "/catalog").status_code == 200
    now[0] += 2.0
    assert get(limited, first, "/catalog").status_code == 200


def test_rate_limits_come_from_the_environment_settings(settings: Settings) -> None:
    tight = replace(settings, api_rate_per_minute=60, api_rate_burst=1)
    limited = TestClient(create_app(tight, explainer=StubExplainer(), clock=lambda: 0.0))
    key, _ = KeyStore(settings.env_root, settings.isolation_key).create("from-settings")
    assert get(limited, key, "/catalog").status_code == 200
    assert get(limited, key, "/catalog").status_code == 429


def test_wrong_keys_from_one_address_get_429_after_a_burst_even_with_a_right_key(
    settings: Settings, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    app = create_app(
        settings,
        explainer=StubExplainer(),
        rate_limit=GENEROUS,
        auth_failure_limit=RateLimit(per_minute=60, burst=3),
        clock=lambda: now[0],
    )
    guesser, neighbour = TestClient(app, client=("203.0.113.7", 4000)), TestClient(app, client=("203.0.113.8", 4000))
    guesses = [key[:-4] + f"{n:04d}" for n in range(4)]
    with caplog.at_level(logging.INFO, logger="datalive.api"):
        assert [get(guesser, guess, "/catalog").status_code for guess in guesses[:3]] == [401, 401, 401]
        refused = get(guesser, guesses[3], "/catalog")
        assert_problem(refused, 429)
        assert refused.headers["retry-after"] == "1"
        assert_problem(get(guesser, key, "/catalog"), 429)  # a right guess now learns nothing
    assert get(neighbour, key, "/catalog").status_code == 200
    audits = [r for r in caplog.records if getattr(r, "event", None) == "auth_rate_limited"]
    assert [(r.client, r.audit) for r in audits] == [("203.0.113.7", True)] * 2
    assert not any(secret in JsonFormatter().format(r) for r in audits for secret in [key, *guesses])
    now[0] += 1.0
    assert get(guesser, key, "/catalog").status_code == 200


def test_requests_without_a_key_are_not_counted_as_failed_authentications(settings: Settings, key: str) -> None:
    app = create_app(
        settings, explainer=StubExplainer(), rate_limit=GENEROUS, auth_failure_limit=RateLimit(60, 1), clock=lambda: 0
    )
    anonymous = TestClient(app)
    assert {anonymous.get("/catalog").status_code for _ in range(5)} == {401}
    assert get(anonymous, key, "/catalog").status_code == 200


# -- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"start": "2016-02-30"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 100_000}, "page_size"),
        ({"page": -1}, "page"),
        ({"product": "condensate"}, "product"),
        ({"level": "country"}, "level"),
        ({"well": "15/9-F-12'; DROP TABLE gold.dim_well; --", "level": "well"}, "well"),
        ({"field": "x" * 65}, "field"),
    ],
)
def test_invalid_parameters_are_422_problems_naming_the_parameter(client, key, params, where) -> None:
    body = assert_problem(get(client, key, "/insights", **params), 422)
    assert body["type"].endswith("/validation-error")
    assert [e["loc"] for e in body["errors"]] == [["query", where]]


def test_a_date_range_that_ends_before_it_starts_is_422(client: TestClient, key: str) -> None:
    body = assert_problem(get(client, key, "/insights", start="2016-03-02", end="2016-03-01"), 422)
    assert "start is after end" in body["detail"]


def test_a_well_filter_on_field_rows_is_422(client: TestClient, key: str) -> None:
    assert_problem(get(client, key, "/insights", well="15/9-F-12"), 422)


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/nothing-here"), 404)


# -- insights --------------------------------------------------------------------------------------


def test_well_insights_equal_gold_with_each_variance(client: TestClient, key: str, home: Path) -> None:
    response = get(client, key, "/insights", level="well", well="15/9-F-12", start="2016-03-01", end="2016-03-31")
    page = InsightsPage.model_validate(response.json())
    expected = gold(
        home,
        "SELECT production_date, oil_sm3, oil_sm3_ma7, prev_day_oil_sm3 FROM gold.fct_well_daily_production "
        "WHERE well_id = ? AND production_date BETWEEN ? AND ? ORDER BY production_date",
        ["15/9-F-12", date(2016, 3, 1), date(2016, 3, 31)],
    )
    (plan,) = gold(
        home,
        "SELECT reported_oil_sm3 / days_in_month FROM gold.fct_well_monthly_production "
        "WHERE well_id = ? AND month_start = ?",
        ["15/9-F-12", date(2016, 3, 1)],
    ).row(0)
    assert page.total == expected.height == len(page.items)
    for item, row in zip(page.items, expected.iter_rows(named=True), strict=True):
        assert item.production_date == row["production_date"] and item.well_id == "15/9-F-12"
        assert item.volume_sm3 == pytest.approx(row["oil_sm3"])
        assert item.avg_7d_sm3 == pytest.approx(row["oil_sm3_ma7"])
        assert item.previous_day_sm3 == pytest.approx(row["prev_day_oil_sm3"])
        assert item.change_vs_previous_day_sm3 == pytest.approx(row["oil_sm3"] - row["prev_day_oil_sm3"])
        assert item.plan_sm3 == pytest.approx(plan)
        assert item.change_vs_plan_pct == pytest.approx(100 * (row["oil_sm3"] - plan) / plan)


def test_the_previous_day_of_the_first_landed_day_is_null(client: TestClient, key: str) -> None:
    (item,) = get(client, key, "/insights", level="well", well="15/9-F-12", start=FIRST, end=FIRST).json()["items"]
    assert item["previous_day_sm3"] is None and item["change_vs_previous_day_pct"] is None


def test_field_insights_for_gas_equal_the_field_table(client: TestClient, key: str, home: Path) -> None:
    items = get(client, key, "/insights", product="gas", field="VOLVE", start="2016-03-14", end="2016-03-14")
    (item,) = items.json()["items"]
    (gas, uptime) = gold(
        home,
        "SELECT gas_sm3, uptime FROM gold.fct_field_daily_production WHERE field_id = ? AND production_date = ?",
        ["VOLVE", date(2016, 3, 14)],
    ).row(0)
    assert item["product"] == "gas" and item["well_id"] is None
    assert item["volume_sm3"] == pytest.approx(gas) and item["uptime"] == pytest.approx(uptime)


def test_pages_partition_the_result_in_date_order(client: TestClient, key: str) -> None:
    full = get(client, key, "/insights", level="well", page_size=1000).json()
    pages, page = [], 1
    while True:
        body = get(client, key, "/insights", level="well", page_size=37, page=page).json()
        if not body["items"]:
            break
        pages += body["items"]
        page += 1
    assert body["total"] == full["total"] == len(pages)
    assert pages == full["items"]
    assert [r["production_date"] for r in pages] == sorted(r["production_date"] for r in pages)


def test_a_filter_matching_nothing_is_an_empty_page(client: TestClient, key: str) -> None:
    body = get(client, key, "/insights", level="well", well="15/9-F-99").json()
    assert body["total"] == 0 and body["items"] == []


def test_the_csv_export_parses_back_to_the_query_rows(client: TestClient, key: str) -> None:
    params = {"level": "well", "start": "2016-03-01", "end": "2016-03-10"}
    response = get(client, key, "/insights/export.csv", **params)
    assert response.headers["content-type"].startswith("text/csv")
    exported = pl.read_csv(io.BytesIO(response.content), try_parse_dates=True)
    items = get(client, key, "/insights", page_size=1000, **params).json()["items"]
    assert exported.height == len(items) > 0
    assert exported["well_id"].to_list() == [i["well_id"] for i in items]
    assert exported["volume_sm3"].to_list() == pytest.approx([i["volume_sm3"] for i in items])


def test_the_parquet_export_parses_back_with_types(client: TestClient, key: str) -> None:
    params = {"level": "field", "product": "water"}
    response = get(client, key, "/insights/export.parquet", **params)
    exported = pl.read_parquet(io.BytesIO(response.content))
    items = get(client, key, "/insights", page_size=1000, **params).json()["items"]
    assert exported.schema["production_date"] == pl.Date
    assert exported.height == len(items) > 0
    assert exported["volume_sm3"].to_list() == pytest.approx([i["volume_sm3"] for i in items])


def test_the_catalog_lists_the_wells_and_dates_of_gold(client: TestClient, key: str) -> None:
    body = get(client, key, "/catalog").json()
    assert body["fields"] == ["VOLVE"]
    assert body["first_date"] == FIRST and body["last_date"] == LAST
    assert "15/9-F-12" in {w["well_id"] for w in body["wells"]}


# -- deferment ------------------------------------------------------------------------------------


def test_deferment_attributes_all_downtime_to_event_causes_or_unspecified(
    client: TestClient, key: str, settings: Settings, home: Path
) -> None:
    from da_platform.ingest.raw_zone import discover, land
    from da_platform.lakehouse.delta_lake import LocalLake
    from tests.helpers import SAMPLE

    files, _ = discover(SAMPLE)
    land(LocalLake(settings.lake_root, settings.isolation_key), [f for f in files if f.kind == "events"])
    response = get(client, key, "/deferment", field="VOLVE", start=FIRST, end=LAST)
    assert response.status_code == 200
    items = {row["cause"]: row for row in response.json()["items"]}
    expected = gold(
        home,
        "select sum(downtime_hrs) from gold.fct_well_daily_production "
        "where field_id = 'VOLVE' and production_date between ? and ? and downtime_hrs > 0",
        [FIRST, LAST],
    ).item()
    assert sum(row["downtime_hrs"] for row in items.values()) == pytest.approx(expected)
    assert "flowline pressure test" in items  # 15/9-F-1 C, 2016-02-26..03-16 in the synthetic events
    assert all(row["deferred_oil_sm3"] >= 0 for row in items.values())


def test_deferment_rejects_a_start_after_its_end(client: TestClient, key: str) -> None:
    assert_problem(get(client, key, "/deferment", start=LAST, end=FIRST), 422)


# -- forecasts -------------------------------------------------------------------------------------


def test_a_well_forecast_gives_ordered_bands_and_the_model_used(client: TestClient, key: str, home: Path) -> None:
    response = get(client, key, "/forecasts", well="15/9-F-12", horizon_days=10)
    body = ForecastSeries.model_validate(response.json())
    table = (
        pl.read_delta(str(home / "dev" / "lake" / "forecast" / "well_daily_forecasts"))
        .filter((pl.col("well_id") == "15/9-F-12") & (pl.col("product") == "oil"))
        .sort("date")
    )
    assert len(body.points) == body.horizon_days == 10
    assert body.origin == date(2016, 3, 31) and body.points[0].date == date(2016, 4, 1)
    assert body.models == {"15/9-F-12": table["model"][0]}
    assert body.model_version is None  # no champion promoted on two months: the default policy
    assert [p.p50 for p in body.points] == pytest.approx(table["p50"].head(10).to_list())
    assert all(p.p10 <= p.p50 <= p.p90 for p in body.points)


def test_a_field_forecast_sums_its_wells_expected_volumes(client: TestClient, key: str, home: Path) -> None:
    body = get(client, key, "/forecasts", field="VOLVE", product="oil", horizon_days=5).json()
    table = pl.read_delta(str(home / "dev" / "lake" / "forecast" / "well_daily_forecasts"))
    first_day = table.filter((pl.col("product") == "oil") & (pl.col("date") == pl.date(2016, 4, 1)))
    assert body["basis"] == "sum_of_well_expected_volumes"
    assert body["points"][0]["p50"] == pytest.approx((first_day["p50"] * first_day["uptime"]).sum())
    assert set(body["models"]) == set(first_day["well_id"].to_list())


def test_a_forecast_needs_exactly_one_of_well_or_field(client: TestClient, key: str) -> None:
    assert_problem(get(client, key, "/forecasts"), 422)
    assert_problem(get(client, key, "/forecasts", well="15/9-F-12", field="VOLVE"), 422)


def test_a_forecast_for_an_unknown_well_is_404(client: TestClient, key: str) -> None:
    assert_problem(get(client, key, "/forecasts", well="15/9-F-99"), 404)


# -- explanations ----------------------------------------------------------------------------------


def test_explain_returns_the_engine_answer_with_citations(client: TestClient, key: str) -> None:
    response = client.post("/rag/explain", json={"question": "Why did F-12 drop?"}, headers={"X-API-Key": key})
    body = response.json()
    assert response.status_code == 200
    assert body["answer"] == "Answer to: Why did F-12 drop? [c1]" and body["refused"] is False
    assert body["citations"][0]["id"] == "c1" and body["facts"][0]["column"] == "oil_sm3"


def test_explain_passes_a_refusal_through(client: TestClient, key: str) -> None:
    body = client.post("/rag/explain", json={"question": "What was the weather?"}, headers={"X-API-Key": key}).json()
    assert body["refused"] is True and body["reason"] == "out of scope: no weather data"


@pytest.mark.parametrize("payload", [{"question": "?"}, {"question": "x" * 501}, {}, {"question": "ok?", "x": 1}])
def test_explain_validates_the_question(client: TestClient, key: str, payload: dict) -> None:
    assert_problem(client.post("/rag/explain", json=payload, headers={"X-API-Key": key}), 422)


def test_explain_without_the_engine_installed_is_503(settings: Settings, key: str, engine_missing) -> None:
    bare = TestClient(create_app(settings))
    body = assert_problem(bare.post("/rag/explain", json={"question": "why?"}, headers={"X-API-Key": key}), 503)
    assert body["detail"] == "explain engine not installed"


def test_an_engine_that_fails_to_open_is_503_and_its_index_not_ready(settings: Settings, key: str) -> None:
    def broken(_settings):
        raise RuntimeError("index files corrupt at /secret/path")

    app = TestClient(create_app(settings, explainer_factory=broken))
    body = assert_problem(app.post("/rag/explain", json={"question": "why?"}, headers={"X-API-Key": key}), 503)
    assert body["detail"] == "explain engine failed to open" and "/secret/path" not in str(body)
    assert app.get("/health").json()["checks"]["index"]["ready"] is False


def test_explain_answers_from_the_real_engine_with_resolvable_citations(settings: Settings, key: str) -> None:
    from da_platform.rag.build import build_index
    from da_platform.rag.service import open_explainer

    build_index(settings)
    app = TestClient(create_app(settings, rate_limit=GENEROUS))
    assert app.get("/health").json()["checks"]["index"]["ready"] is True
    question = "Why did Volve oil drop on 2016-03-14?"
    response = app.post("/rag/explain", json={"question": question}, headers={"X-API-Key": key})
    body = response.json()
    assert response.status_code == 200
    assert body["refused"] is False, body["reason"]
    assert body["citations"] and body["facts"]
    assert body == open_explainer(settings).explain(question).to_dict()  # the engine's answer, unchanged


def test_explain_needs_a_key(client: TestClient) -> None:
    assert_problem(client.post("/rag/explain", json={"question": "why?"}), 401)


# -- cross-cutting ---------------------------------------------------------------------------------


def test_no_log_line_carries_a_key_or_its_secret(
    client: TestClient, key: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    prod_key, _ = KeyStore(settings.home / "prod", "prod").create("leak-check")
    with caplog.at_level(logging.INFO, logger="datalive.api"):
        get(client, key, "/insights", level="well", well="15/9-F-12")
        get(client, key[:-3] + "abc", "/insights")
        get(client, prod_key, "/insights")
        client.get("/insights", params={"api_key": key}, headers={"Authorization": f"Bearer {key}"})
        client.post("/rag/explain", json={"question": f"is {key} valid?"}, headers={"X-API-Key": key})
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert len([json.loads(line) for line in lines if '"event": "request"' in line]) == 5
    secrets_ = [key, key[-43:], prod_key, prod_key[-43:], key[:-3] + "abc"]
    for line in lines:
        assert not any(secret in line for secret in secrets_), line


def test_every_request_is_logged_with_its_request_id(client: TestClient, key: str, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="datalive.api"):
        response = client.get("/catalog", headers={"X-API-Key": key, "X-Request-ID": "trace-12345678"})
    (record,) = [r for r in caplog.records if getattr(r, "event", None) == "request"]
    assert response.headers["x-request-id"] == "trace-12345678"
    assert (record.request_id, record.path, record.status, record.environment) == (
        "trace-12345678",
        "/catalog",
        200,
        "dev",
    )
    assert record.key_id and record.key_id in key


def test_cors_is_closed_by_default_and_opens_only_to_configured_origins(settings: Settings) -> None:
    preflight = {"Origin": "https://bi.example.com", "Access-Control-Request-Method": "GET"}
    closed = TestClient(create_app(settings, explainer=StubExplainer())).options("/insights", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    opened = TestClient(create_app(replace(settings, api_cors_origins=("https://bi.example.com",))))
    response = opened.options("/insights", headers=preflight)
    assert response.headers["access-control-allow-origin"] == "https://bi.example.com"


def test_the_dashboard_and_its_charting_library_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="/static/vendor/plotly.min.js">' in page.text and "https://" not in page.text
    bundle = client.get("/static/vendor/plotly.min.js")
    assert bundle.status_code == 200 and "plotly.js" in bundle.text[:200]
    assert client.get("/static/dashboard.js").status_code == 200


def test_the_openapi_schema_documents_keys_problems_and_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    insights = schema["paths"]["/insights"]["get"]
    assert {"401", "403", "422", "429"} <= set(insights["responses"])
    assert schema["components"]["schemas"]["InsightsPage"]["examples"]
    assert TypeAdapter(dict).validate_python(schema["paths"]["/rag/explain"]["post"])


# -- fuzzing ---------------------------------------------------------------------------------------


def test_fuzzing_every_operation_finds_no_server_error_and_answers_as_documented(settings: Settings, key: str) -> None:
    """Schemathesis generates requests from the schema (valid and invalid), 25 per operation, with a valid key,
    and checks every answer: no 5xx, status, content type, headers and body as the schema documents, and
    schema-invalid input refused. Not checked: that every schema-valid request is accepted, because three
    rules span parameters and cannot be written in OpenAPI (a well filter needs level=well, start <= end,
    exactly one of well or field for forecasts); those answer 422 by design."""
    # Generous limits: schemathesis's ignored_auth check probes each accepted request again with an invalid key,
    # which would trip the wrong-key limit (tested on its own) and turn the rest of the fuzz into 429s.
    app = create_app(settings, explainer=StubExplainer(), rate_limit=GENEROUS, auth_failure_limit=GENEROUS)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"GET /health", "GET /insights", "GET /forecasts", "POST /rag/explain"}
    failures: list[str] = []
    calls: list[int] = []
    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            database=None,
        )
        def call(case) -> None:
            try:
                response = case.call_and_validate(
                    headers={"X-API-Key": key}, excluded_checks=[schemathesis.checks.positive_data_acceptance]
                )
            except Exception as exc:  # one line per failure, all operations reported together
                failures.append(f"{case.operation.label} {case.query}: {' '.join(str(exc).split())[:400]}")
                return
            calls.append(response.status_code)

        call()
    assert failures == []
    assert len(calls) >= 5 * len(operations) and {200, 422} <= set(calls)


def test_gold_rebuilt_by_a_run_is_served_without_a_restart_and_a_held_lock_serves_the_last_snapshot(
    home: Path, tmp_path: Path
) -> None:
    from da_platform.api.gold import GoldReader, InsightsQuery, insights
    from da_platform.lakehouse.warehouse import Warehouse

    copy = tmp_path / "dev" / "warehouse" / "datalive_dev.duckdb"
    copy.parent.mkdir(parents=True)
    copy.write_bytes((home / "dev" / "warehouse" / "datalive_dev.duckdb").read_bytes())
    reader = GoldReader(Warehouse(copy, "dev"), check_every_s=0)
    query = InsightsQuery("well", "oil", well="15/9-F-12", start=date(2016, 3, 14), end=date(2016, 3, 14))
    before = insights(reader.snapshot(), query)[0]["volume_sm3"].item()
    with duckdb.connect(str(copy)) as writer:
        writer.execute(
            "UPDATE gold.fct_well_daily_production SET oil_sm3 = oil_sm3 + 1000 "
            "WHERE well_id = ? AND production_date = ?",
            ["15/9-F-12", date(2016, 3, 14)],
        )
        writer.execute("CHECKPOINT")
        # The writer still holds the file: the reader keeps the snapshot it has.
        assert insights(reader.snapshot(), query)[0]["volume_sm3"].item() == before
        assert reader.last_error is not None
    assert insights(reader.snapshot(), query)[0]["volume_sm3"].item() == pytest.approx(before + 1000)
    assert reader.last_error is None


# -- metrics ------------------------------------------------------------------------------------------


def _scrape(client: TestClient, key: str) -> dict:
    """``/metrics`` parsed by prometheus-client's own parser: {(sample name, labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_count_requests_by_route_template_and_gauge_the_lakehouse(
    client: TestClient, key: str, settings: Settings
) -> None:
    from da_platform.status import layer_counts

    key_id = key.split("_")[2]
    before = _scrape(client, key)
    for well in ("15/9-F-12", "15/9-F-14"):  # two raw paths, one route
        assert get(client, key, "/insights", level="well", well=well).status_code == 200
    assert client.get("/no/such/path").status_code == 404
    assert client.post(
        "/rag/explain", json={"question": "Will the weather stop production?"}, headers={"X-API-Key": key}
    )
    after = _scrape(client, key)

    def delta(name: str, **labels: str) -> float:
        labels = {"environment": "dev", **labels}
        point = (name, tuple(sorted(labels.items())))
        return after.get(point, 0.0) - before.get(point, 0.0)

    route = {"route": "/insights", "method": "GET"}
    assert delta("datalive_api_requests_total", **route, status="200", key_id=key_id) == 2
    assert delta("datalive_api_requests_total", route="<unmatched>", method="GET", status="404", key_id="none") == 1
    assert delta("datalive_api_request_duration_seconds_count", **route) == 2
    assert delta("datalive_api_explanations_total", outcome="refused") == 1
    assert not [point for point in after if point[0].startswith("datalive_api_requests") and "well=" in str(point)]
    assert all(dict(labels).get("environment") == "dev" for name, labels in after if name.startswith("datalive_"))

    counts = layer_counts(settings)
    gauge = {dict(labels)["layer"]: v for (name, labels), v in after.items() if name == "datalive_lakehouse_rows"}
    assert gauge == {layer: counts[layer]["rows"] for layer in ("raw", "bronze", "silver", "quarantine", "gold")}
    ratio = after[("datalive_lakehouse_quarantine_ratio", (("environment", "dev"),))]
    assert ratio == pytest.approx(counts["quarantine"]["rows"] / counts["bronze"]["rows"])
    ages = {
        dict(lb)["layer"]: v for (n, lb), v in after.items() if n == "datalive_lakehouse_newest_partition_age_hours"
    }
    newest_ended = datetime(2016, 4, 1, tzinfo=UTC)  # the slice ends on 2016-03-31
    assert ages["silver"] == pytest.approx((datetime.now(UTC) - newest_ended).total_seconds() / 3600, abs=1)
    assert ages["gold"] == pytest.approx(ages["silver"], abs=0.1)
    assert after[("datalive_lakehouse_fresh", (("environment", "dev"), ("layer", "silver")))] == 0  # 2016 is stale
    assert after[("datalive_last_run_success", (("environment", "dev"), ("job", "daily_job")))] == 1  # `datalive run`
    assert after[("datalive_last_run_duration_seconds", (("environment", "dev"), ("job", "daily_job")))] > 0
    assert ("datalive_forecast_age_hours", (("environment", "dev"),)) in after


def test_metrics_need_a_key_of_this_environment(client: TestClient, key: str) -> None:
    assert_problem(client.get("/metrics"), 401)
    assert_problem(client.get("/metrics", headers={"Authorization": "Bearer dlk_dev_nope_nope"}), 401)
    assert client.get("/metrics", headers={"X-API-Key": key}).status_code == 200


def test_metrics_of_an_empty_environment_are_zero_rows_and_no_run(tmp_path: Path) -> None:
    empty = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    created, _ = KeyStore(empty.env_root, empty.isolation_key).create("prometheus")
    samples = _scrape(TestClient(create_app(empty)), created)
    rows = {dict(labels)["layer"]: v for (name, labels), v in samples.items() if name == "datalive_lakehouse_rows"}
    assert rows == {"raw": 0, "bronze": 0, "silver": 0, "quarantine": 0}  # gold: no snapshot to count
    assert samples[("datalive_lakehouse_up", (("environment", "dev"),))] == 0  # gold could not be read
    assert not [name for name, _ in samples if name.startswith("datalive_last_run")]
    assert not (empty.env_root / "dagster").exists()  # scraping opened no Dagster instance and wrote nothing
