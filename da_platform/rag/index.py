"""Build the environment's index incrementally: only new or changed chunks are embedded."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from da_platform.rag.documents import Chunk
from da_platform.rag.embedder import Embedder
from da_platform.rag.store import VectorStore


@dataclass(frozen=True)
class IndexStats:
    """What one rebuild did."""

    collection: str
    chunks: int
    embedded: int
    model_calls: int
    unchanged: int
    removed: int
    seconds: float

    @property
    def chunks_per_second(self) -> float:
        """Embedding throughput of this rebuild (0 when nothing was embedded)."""
        return self.embedded / self.seconds if self.embedded and self.seconds > 0 else 0.0


def update_index(store: VectorStore, embedder: Embedder, chunks: list[Chunk], batch: int = 512) -> IndexStats:
    """Make ``store`` hold exactly ``chunks``: embed new or changed ones, drop the ones that disappeared."""
    started = time.perf_counter()
    stored = store.hashes()
    wanted = {c.id: c for c in chunks}
    changed = [c for c in chunks if stored.get(c.id) != c.content_hash]
    removed = [i for i in stored if i not in wanted]
    store.delete(removed)
    # Chunks that read alike for the embedder share one model call.
    distinct = list(dict.fromkeys(c.dense_text for c in changed))
    vectors: dict[str, object] = {}
    for start in range(0, len(distinct), batch):
        part = distinct[start : start + batch]
        vectors.update(zip(part, embedder.embed(part), strict=True))
    for start in range(0, len(changed), batch):
        part = changed[start : start + batch]
        store.upsert(part, np.stack([vectors[c.dense_text] for c in part]))
    return IndexStats(
        collection=store.collection,
        chunks=len(chunks),
        embedded=len(changed),
        model_calls=len(distinct),
        unchanged=len(chunks) - len(changed),
        removed=len(removed),
        seconds=time.perf_counter() - started,
    )
