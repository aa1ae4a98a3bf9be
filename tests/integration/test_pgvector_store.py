"""The explanation index on PostgreSQL + pgvector answers exactly as the embedded DuckDB store does.

One Volve environment is built to gold once; its chunks are indexed twice, into the embedded store and
into a pgvector collection on a local PostgreSQL server, and every question of the evaluation set is
answered from both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from da_platform.cli import main
from da_platform.env import load_settings
from da_platform.rag.build import build_index
from da_platform.rag.evaluation import load_eval_set
from da_platform.rag.pgvector_store import CollectionOutsideEnvironmentError, PgVectorStore
from da_platform.rag.service import open_explainer
from da_platform.rag.store import open_store
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.integration.postgres_server import postgres_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with postgres_server(tmp_path_factory.mktemp("postgres")) as dsn:
        yield dsn


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[Path]:
    """The bundled sample built to gold and indexed in the embedded store, once for the module."""
    root = tmp_path_factory.mktemp("pgvector")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        for name in (*DEPLOYMENT_VARIABLES, "DATALIVE_VECTOR_DSN"):
            mp.delenv(name, raising=False)
        assert main(["run", "--only", "lakehouse", "--sample"]) == 0
        assert main(["index"]) == 0
        yield root / "home"


def _settings(home: Path, dsn: str | None = None, **environ: str):
    variables = {"DATALIVE_HOME": str(home), **environ}
    if dsn:
        variables["DATALIVE_VECTOR_DSN"] = dsn
    return load_settings(variables)


def test_every_evaluation_question_gets_the_same_answer_on_pgvector_as_on_the_embedded_store(
    home: Path, postgres: str
) -> None:
    embedded, server = _settings(home), _settings(home, postgres)
    stats = build_index(server)
    assert stats.collection == "rag_dev" and stats.chunks == open_store(embedded, read_only=True).count()

    local, remote = open_explainer(embedded, use_llm=False), open_explainer(server, use_llm=False)
    assert type(remote.store).__name__ == "PgVectorStore"
    questions = [item["question"] for item in load_eval_set()]
    for question in questions:
        assert remote.explain(question).to_dict() == local.explain(question).to_dict(), question
    assert len(questions) >= 70


def test_reindexing_an_unchanged_environment_embeds_nothing_on_pgvector(home: Path, postgres: str) -> None:
    server = _settings(home, postgres)
    build_index(server)
    again = build_index(server)
    assert again.embedded == 0 and again.removed == 0 and again.unchanged == again.chunks


def test_a_pull_request_gets_its_own_collection_with_an_hnsw_cosine_index(home: Path, postgres: str) -> None:
    import psycopg

    qa = _pull_request(home, postgres, 7)
    store = open_store(qa)
    assert store.collection == "rag_qa_pr7"
    build_index(qa, chunks=open_store(_settings(home), read_only=True).all_chunks()[:50])
    with psycopg.connect(postgres) as con:
        indexes = con.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%hnsw%' ORDER BY tablename"
        ).fetchall()
        assert con.execute("SELECT count(*) FROM rag_qa_pr7").fetchone() == (50,)
    assert [d for t, d in indexes if t == "rag_qa_pr7" and "vector_cosine_ops" in d]


def test_a_store_refuses_another_environments_collection(postgres: str) -> None:
    with pytest.raises(CollectionOutsideEnvironmentError, match="rag_prod"):
        PgVectorStore(postgres, "rag_prod", expected_collection="rag_qa_pr7")


def _pull_request(home: Path, dsn: str, number: int):
    return _settings(
        home, dsn, DA_ENV="qa", DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT="1", DAGSTER_CLOUD_PULL_REQUEST_ID=str(number)
    )


def test_closing_a_pull_request_drops_its_collection_and_nothing_else(home: Path, postgres: str) -> None:
    import psycopg

    from da_platform.cleanup import drop_branch
    from da_platform.doctor import run_checks

    sample = open_store(_settings(home), read_only=True).all_chunks()[:10]
    closing, open_pr = _pull_request(home, postgres, 8), _pull_request(home, postgres, 9)
    build_index(closing, chunks=sample)
    build_index(open_pr, chunks=sample)
    vector = {c.name: c for c in run_checks(closing, {})}["vector store"]
    assert vector.ok and "rag_qa_pr8 holds 10 chunks" in vector.detail

    plan = drop_branch(closing)
    assert plan.vector_collection == "rag_qa_pr8"
    with psycopg.connect(postgres) as con:
        tables = {t for (t,) in con.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'rag_%'")}
    assert "rag_qa_pr8" not in tables and "rag_qa_pr9" in tables
