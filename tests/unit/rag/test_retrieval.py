"""Hybrid retrieval: BM25 keeps well names and dates whole; both legs see the metadata filter."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from da_platform.rag.documents import runbook_chunks, well_day_cards
from da_platform.rag.index import update_index
from da_platform.rag.retrieval import BM25, HybridRetriever, tokenize
from da_platform.rag.store import DuckDBVectorStore, Filter


def test_tokens_keep_well_names_and_dates_whole() -> None:
    assert tokenize("Why did 15/9-F-12 drop on 2016-03-14?") == ["why", "did", "15/9-f-12", "drop", "on", "2016-03-14"]


def test_bm25_ranks_the_document_with_the_rare_term_first() -> None:
    scores = BM25(["oil on 2016-03-13", "oil on 2016-03-14", "gas on 2016-03-14"]).scores("oil 2016-03-14")
    assert scores.argmax() == 1


def _retriever(tmp_path: Path, embedder, well_days: pl.DataFrame) -> HybridRetriever:
    store = DuckDBVectorStore(tmp_path / "dev" / "rag" / "index.duckdb", "rag_dev", "dev")
    update_index(store, embedder, [*well_day_cards(well_days), *runbook_chunks()])
    return HybridRetriever(store, embedder)


def test_hybrid_search_puts_the_card_of_the_asked_well_and_day_first(tmp_path, embedder, volve_well_days):
    retriever = _retriever(tmp_path, embedder, volve_well_days)
    hits = retriever.search("Why did 15/9-F-12 oil rise on 2016-03-14?", Filter(), 5)
    assert hits[0].chunk.id == "gold.fct_well_daily_production:well_id=15/9-F-12;production_date=2016-03-14"
    assert hits[0].dense_rank is not None and hits[0].keyword_rank == 0


def test_the_filter_keeps_other_wells_and_days_out_of_both_legs(tmp_path, embedder, volve_well_days):
    retriever = _retriever(tmp_path, embedder, volve_well_days)
    day = volve_well_days["production_date"].max()
    hits = retriever.search("15/9-F-11 oil 2016-03-13", Filter(wells=("15/9-F-12",), day_from=day, day_to=day), 20)
    cards = [h.chunk for h in hits if h.chunk.kind == "well_day"]
    assert [(c.well_id, c.day_from) for c in cards] == [("15/9-F-12", day)]
    # Runbooks carry no well or date: procedures apply to every well and day, so they pass the filter.
    assert any(h.chunk.kind == "runbook" for h in hits)
