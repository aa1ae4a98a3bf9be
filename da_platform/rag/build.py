"""Build or refresh the environment's explanation index from gold, raw events, forecasts and runbooks."""

from __future__ import annotations

import polars as pl

from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import open_lake
from da_platform.lakehouse.warehouse import open_warehouse
from da_platform.rag.documents import FORECAST_TABLE, Chunk, all_chunks
from da_platform.rag.embedder import Embedder, MiniLMEmbedder
from da_platform.rag.events import events_from_raw
from da_platform.rag.index import IndexStats, update_index
from da_platform.rag.store import open_store


def environment_chunks(settings: Settings) -> list[Chunk]:
    """Every chunk the environment's data yields (gold must exist)."""
    warehouse = open_warehouse(settings)
    if warehouse.change_marker() is None:
        raise FileNotFoundError("no gold in this environment's warehouse yet: run `datalive run` first")
    lake = open_lake(settings)
    forecasts = lake.read(FORECAST_TABLE) if lake.exists(FORECAST_TABLE) else None
    return all_chunks(warehouse, events_from_raw(lake), forecasts)


_FRAME_SCHEMA = {
    "id": pl.String(),
    "source": pl.String(),
    "kind": pl.String(),
    "text": pl.String(),
    "well_id": pl.String(),
    "field_id": pl.String(),
    "day_from": pl.Date(),
    "day_to": pl.Date(),
    "embed_text": pl.String(),
    "content_hash": pl.String(),
}


def chunks_frame(chunks: list[Chunk]) -> pl.DataFrame:
    """Chunks as a table (the ``rag/chunks`` asset)."""
    rows = [
        {
            "id": c.id,
            "source": c.source,
            "kind": c.kind,
            "text": c.text,
            "well_id": c.well_id,
            "field_id": c.field_id,
            "day_from": c.day_from,
            "day_to": c.day_to,
            "embed_text": c.embed_text,
            "content_hash": c.content_hash,
        }
        for c in chunks
    ]
    return pl.DataFrame(rows, schema=_FRAME_SCHEMA)


def frame_chunks(frame: pl.DataFrame) -> list[Chunk]:
    """The chunks of a ``rag/chunks`` table."""
    return [
        Chunk(
            r["id"],
            r["source"],
            r["kind"],
            r["text"],
            r["well_id"],
            r["field_id"],
            r["day_from"],
            r["day_to"],
            r["embed_text"] or "",
        )
        for r in frame.iter_rows(named=True)
    ]


def build_index(settings: Settings, embedder: Embedder | None = None, chunks: list[Chunk] | None = None) -> IndexStats:
    """Bring the environment's collection up to date; unchanged chunks are not re-embedded."""
    store = open_store(settings)
    try:
        return update_index(
            store, embedder or MiniLMEmbedder(), chunks if chunks is not None else environment_chunks(settings)
        )
    finally:
        store.close()
