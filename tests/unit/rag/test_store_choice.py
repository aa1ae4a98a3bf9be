"""Which vector store an environment opens, and how its connection URL is kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from da_platform.env import SettingsError, load_settings
from da_platform.rag.pgvector_store import CollectionOutsideEnvironmentError, PgVectorStore
from da_platform.rag.store import DuckDBVectorStore, open_store

DSN = "postgresql://datalive:s3cr3t@db.internal:5432/rag"


def test_without_a_vector_dsn_the_embedded_store_is_opened(tmp_path: Path) -> None:
    store = open_store(load_settings({"DATALIVE_HOME": str(tmp_path)}))
    assert isinstance(store, DuckDBVectorStore) and store.collection == "rag_dev"


def test_a_vector_dsn_opens_the_environments_pgvector_collection_without_connecting(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path), "DA_ENV": "prod", "DATALIVE_VECTOR_DSN": DSN})
    store = open_store(settings)
    assert isinstance(store, PgVectorStore) and store.collection == "rag_prod"
    assert "s3cr3t" not in repr(store) and "s3cr3t" not in repr(settings)


def test_a_vector_dsn_that_is_not_a_postgresql_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({"DATALIVE_VECTOR_DSN": "mysql://u:s3cr3t@h/db"})
    assert "s3cr3t" not in str(error.value)


def test_a_pgvector_store_refuses_a_collection_of_another_environment() -> None:
    with pytest.raises(CollectionOutsideEnvironmentError, match="rag_qa_pr3"):
        PgVectorStore(DSN, "rag_prod", expected_collection="rag_qa_pr3")
