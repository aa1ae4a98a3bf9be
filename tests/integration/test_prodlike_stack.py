"""One scenario on two stacks: land Volve files → gold → forecasts → index → explain.

Once on the embedded dev default (local Delta, DuckDB, the embedded vector store, MLflow on SQLite), and as
qa branch deployments on prod-like stacks of local servers: the lake on S3 (moto_server, SSE-KMS, versioned
buckets) or on Azure Blob (Azurite), gold on Snowflake (fakesnow's server, dbt-snowflake), the index on PostgreSQL +
pgvector, the registry on an MLflow tracking server. Gold, forecasts and every answer must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from polars.testing import assert_frame_equal

from da_platform.cli import main
from da_platform.defs.forecast.assets import well_daily_forecasts
from da_platform.defs.resources import build_resources
from da_platform.env import load_settings
from da_platform.lakehouse.delta_lake import open_lake
from da_platform.lakehouse.warehouse import open_warehouse
from da_platform.rag.evaluation import load_eval_set
from da_platform.rag.service import open_explainer
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import make_landing
from tests.integration.mlflow_server import mlflow_server
from tests.integration.object_stores import azure_stack, s3_stack
from tests.integration.postgres_server import postgres_server
from tests.integration.snowflake_server import snowflake_server

pytestmark = pytest.mark.integration

MARTS = ("dim_well", "fct_well_daily_production", "fct_field_daily_production", "fct_well_monthly_production")
SERVER_VARIABLES = ("DATALIVE_LAKE_URL", "DATALIVE_VECTOR_DSN", "DATALIVE_MLFLOW_URI_QA", "DATALIVE_SPARK_REMOTE")
# The evaluation set covers all of Volve; these fall inside the slice, so most of them get real answers.
SLICE_QUESTIONS = [
    *(f"Why did Volve oil drop on 2016-{month:02d}-{day:02d}?" for month in range(2, 10) for day in (5, 14, 23)),
    *(f"Why did oil from 15/9-F-{well} drop in 2016-{month:02d}?" for well in (11, 12, 14, 15) for month in (3, 6)),
]
# Columns that name the run that wrote a row, not what it forecasts.
RUN_COLUMNS = {"mlflow_run_id", "model_version", "run_id", "created_at", "generated_at", "forecast_run_at"}


def _scenario(home: Path, landing: Path, environ: dict[str, str]) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        for name in (*DEPLOYMENT_VARIABLES, *SERVER_VARIABLES):
            mp.delenv(name, raising=False)
        for name, value in {**environ, "DATALIVE_HOME": str(home)}.items():
            mp.setenv(name, value)
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
        settings = load_settings()
        resources = build_resources(settings)
        forecast = dg.materialize(
            [well_daily_forecasts], resources={"lake": resources["lake"], "registry": resources["registry"]}
        )
        assert forecast.success
        assert main(["index"]) == 0
        explainer = open_explainer(settings, use_llm=False)
        questions = [item["question"] for item in load_eval_set()]
        warehouse = open_warehouse(settings)
        return {
            "settings": settings,
            "gold": {table: warehouse.query(f"SELECT * FROM gold.{table}") for table in MARTS},
            "forecasts": open_lake(settings).read("forecast/well_daily_forecasts"),
            "answers": {q: explainer.explain(q).to_dict() for q in [*SLICE_QUESTIONS, *questions]},
            "store": type(explainer.store).__name__,
        }


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_landing(tmp_path_factory.mktemp("landing"), "2016-01-01", "2016-09-30")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, landing: Path, dbt_manifest: Path) -> dict[str, Any]:
    return _scenario(tmp_path_factory.mktemp("embedded") / "home", landing, {})


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The warehouse, index and registry servers, shared by both lake backends (each run is its own PR)."""
    root = tmp_path_factory.mktemp("servers")
    with (
        snowflake_server(root / "fakesnow") as snowflake,
        postgres_server(root / "postgres") as dsn,
        mlflow_server(root / "mlflow") as mlflow,
    ):
        yield {**snowflake, "DATALIVE_VECTOR_DSN": dsn, "DATALIVE_MLFLOW_URI_QA": mlflow}


@contextmanager
def _lake_stack(lake: str, folder: Path) -> Iterator[dict[str, str]]:
    if lake == "s3":
        with s3_stack(folder) as s3:
            kms = {"DATALIVE_LAKE_KMS_KEY_ID": s3.kms_keys["qa"]}
            yield {**s3.environ, "DATALIVE_LAKE_URL": s3.lake_url("qa"), **kms}
    else:
        with azure_stack(folder) as azure:
            yield {**azure.environ_by_env["qa"], "DATALIVE_LAKE_URL": azure.lake_url("qa")}


@pytest.fixture(scope="module", params=["s3", "azure"])
def prodlike(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    servers: dict[str, str],
    landing: Path,
    dbt_manifest: Path,
) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp(request.param)
    pr = {"s3": "31", "azure": "32"}[request.param]
    with _lake_stack(request.param, root / "lake") as lake:
        environ = {**lake, **servers, "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1", "DAGSTER_CLOUD_PULL_REQUEST_ID": pr}
        with pytest.MonkeyPatch.context() as mp:
            for name, value in environ.items():  # the readers below reach the same servers
                mp.setenv(name, value)
            result = _scenario(root / "home", landing, environ)
            result["home"] = root / "home"
            yield result


def test_the_prodlike_stack_ran_on_its_servers_and_left_nothing_local(prodlike: dict[str, Any]) -> None:
    settings = prodlike["settings"]
    assert settings.isolation_key.startswith("qa/pr-3") and settings.warehouse_backend == "snowflake"
    assert prodlike["store"] == "PgVectorStore"
    assert not settings.lake_root.exists()
    assert not settings.warehouse_path.exists()


def test_gold_is_the_same_on_snowflake_as_on_duckdb(prodlike: dict[str, Any], embedded: dict[str, Any]) -> None:
    for table in MARTS:
        expected, actual = embedded["gold"][table], prodlike["gold"][table]
        key = [c for c in ("well_id", "field_id", "production_date", "month_start") if c in expected.columns]
        assert actual.height == expected.height > 0, table
        assert_frame_equal(actual.sort(key), expected.sort(key), check_dtypes=False, rel_tol=1e-9)


def test_forecasts_are_the_same_on_s3_as_on_local_files(prodlike: dict[str, Any], embedded: dict[str, Any]) -> None:
    expected, actual = embedded["forecasts"], prodlike["forecasts"]
    columns = [c for c in expected.columns if c not in RUN_COLUMNS]
    key = [c for c in ("well_id", "product", "date") if c in columns]
    assert actual.height == expected.height > 0
    assert_frame_equal(actual.select(columns).sort(key), expected.select(columns).sort(key), rel_tol=1e-9)


def test_every_question_gets_the_same_answer_on_the_prodlike_stack(
    prodlike: dict[str, Any], embedded: dict[str, Any]
) -> None:
    answered = [q for q, a in embedded["answers"].items() if not a["refused"]]
    assert len(answered) >= 30  # the comparison covers real answers, not only refusals
    for question, expected in embedded["answers"].items():
        assert prodlike["answers"][question] == expected, question
