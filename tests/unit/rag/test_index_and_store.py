"""The embedded vector store and incremental indexing: one collection per environment, no re-embedding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from da_platform.env import load_settings
from da_platform.lakehouse.delta_lake import OutsideEnvironmentError
from da_platform.rag.documents import well_day_cards
from da_platform.rag.index import update_index
from da_platform.rag.store import DuckDBVectorStore, Filter, collection_name, index_path


@pytest.mark.parametrize(
    ("environ", "collection"),
    [
        ({}, "rag_dev"),
        ({"DA_ENV": "prod"}, "rag_prod"),
        ({"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1", "DAGSTER_CLOUD_PULL_REQUEST_ID": "42"}, "rag_qa_pr42"),
    ],
)
def test_each_environment_has_its_own_collection_and_file(tmp_path: Path, environ: dict, collection: str) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path), **environ}, cwd=tmp_path)
    assert collection_name(settings) == collection
    assert index_path(settings).is_relative_to(settings.env_root)


def test_a_store_outside_its_environment_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutsideEnvironmentError):
        DuckDBVectorStore(tmp_path / "prod" / "rag" / "index.duckdb", "rag_dev", "dev")


def _store(tmp_path: Path) -> DuckDBVectorStore:
    return DuckDBVectorStore(tmp_path / "dev" / "rag" / "index.duckdb", "rag_dev", "dev")


def test_rebuilding_with_unchanged_chunks_embeds_nothing(tmp_path, embedder, volve_well_days) -> None:
    chunks = list(well_day_cards(volve_well_days))
    store = _store(tmp_path)
    first = update_index(store, embedder, chunks)
    calls = len(embedder.texts)
    second = update_index(store, embedder, chunks)
    assert (first.embedded, first.chunks) == (4, 4)
    assert (second.embedded, second.unchanged, second.removed) == (0, 4, 0)
    assert len(embedder.texts) == calls


def test_only_a_changed_chunk_is_re_embedded_and_a_vanished_one_is_removed(tmp_path, embedder, volve_well_days):
    chunks = list(well_day_cards(volve_well_days))
    store = _store(tmp_path)
    update_index(store, embedder, chunks)
    edited = replace(chunks[0], text=chunks[0].text + " Corrected report.")
    stats = update_index(store, embedder, [edited, *chunks[1:3]])
    assert (stats.embedded, stats.unchanged, stats.removed) == (1, 2, 1)
    assert store.get([edited.id])[edited.id].text.endswith("Corrected report.")
    assert chunks[3].id not in store.hashes()


def test_dense_search_respects_well_and_date_filters(tmp_path, embedder, volve_well_days: pl.DataFrame) -> None:
    chunks = list(well_day_cards(volve_well_days))
    store = _store(tmp_path)
    update_index(store, embedder, chunks)
    vector = embedder.embed(["oil rose on 15/9-F-12"])[0]
    hits = store.dense_search(vector, Filter(wells=("15/9-F-12",), day_from=chunks[1].day_from), 10)
    assert [h for h, _ in hits] == ["gold.fct_well_daily_production:well_id=15/9-F-12;production_date=2016-03-14"]


def test_a_read_only_store_of_a_missing_index_counts_zero(tmp_path: Path) -> None:
    store = DuckDBVectorStore(tmp_path / "dev" / "rag" / "index.duckdb", "rag_dev", "dev", read_only=True)
    assert (store.exists(), store.count(), store.all_chunks()) == (False, 0, [])
