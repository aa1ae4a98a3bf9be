"""`rag_job` and `forecast_job` run through Dagster in a qa branch deployment write to qa's own servers.

The Dagster resources must carry the one ``Settings`` of the process whole: a resource that rebuilt them
from env, home and PR would index the (absent) local lake into the embedded store while the CLI uses
pgvector. Here the lake is on S3 (moto_server, SSE-KMS), gold on Snowflake (fakesnow) and the index on
PostgreSQL + pgvector, the local stand-ins of tests/integration/test_prodlike_stack.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from da_platform.cli import main
from da_platform.definitions import build_definitions
from da_platform.env import load_settings
from da_platform.lakehouse.delta_lake import open_lake
from da_platform.rag.store import index_path, open_store
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import make_landing
from tests.integration.object_stores import s3_stack
from tests.integration.postgres_server import postgres_server
from tests.integration.snowflake_server import snowflake_server

pytestmark = pytest.mark.integration

SERVER_VARIABLES = ("DATALIVE_LAKE_URL", "DATALIVE_VECTOR_DSN", "DATALIVE_MLFLOW_URI_QA", "DATALIVE_SPARK_REMOTE")


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[dict]:
    """Gold of one Volve quarter built in qa PR 61 by `datalive run`, then both jobs run through Dagster."""
    root = tmp_path_factory.mktemp("qa-jobs")
    landing = make_landing(root / "landing", "2016-01-01", "2016-03-31")
    with (
        snowflake_server(root / "fakesnow") as snowflake,
        postgres_server(root / "postgres") as dsn,
        s3_stack(root / "s3") as s3,
        pytest.MonkeyPatch.context() as mp,
    ):
        for name in (*DEPLOYMENT_VARIABLES, *SERVER_VARIABLES):
            mp.delenv(name, raising=False)
        environ = {
            **snowflake,
            **s3.environ,
            "DATALIVE_LAKE_URL": s3.lake_url("qa"),
            "DATALIVE_LAKE_KMS_KEY_ID": s3.kms_keys["qa"],
            "DATALIVE_VECTOR_DSN": dsn,
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": "61",
            "DATALIVE_HOME": str(root / "home"),
        }
        for name, value in environ.items():  # EnvVar-held secrets resolve from the process environment
            mp.setenv(name, value)
        assert main(["run", "--landing", str(landing)]) == 0
        settings = load_settings()
        defs = build_definitions(settings)
        results = {name: defs.resolve_job_def(name).execute_in_process() for name in ("forecast_job", "rag_job")}
        store = open_store(settings, read_only=True)
        try:
            indexed = store.count()
        finally:
            store.close()
        lake = open_lake(settings)
        yield {
            "settings": settings,
            "results": results,
            "indexed": indexed,
            "store": type(store).__name__,
            "forecasts": lake.read("forecast/well_daily_forecasts"),
            "chunks": lake.read("rag/chunks"),
        }


def test_both_jobs_succeed_in_a_qa_branch_deployment(qa: dict) -> None:
    assert qa["settings"].isolation_key == "qa/pr-61"
    assert {name: result.success for name, result in qa["results"].items()} == {"forecast_job": True, "rag_job": True}


def test_rag_job_indexes_into_pgvector_what_it_chunked_from_the_object_store_lake(qa: dict) -> None:
    assert qa["store"] == "PgVectorStore"
    assert qa["indexed"] == qa["chunks"].height > 0
    assert not index_path(qa["settings"]).exists()  # nothing went to the embedded store


def test_forecast_job_writes_its_forecasts_to_the_object_store_lake(qa: dict) -> None:
    settings = qa["settings"]
    assert qa["forecasts"].height > 0 and qa["forecasts"]["well_id"].n_unique() > 1
    assert not settings.lake_root.exists()  # not a byte in the local lake folder
