"""Hybrid retrieval: dense cosine (from the store) and BM25 keywords, fused by reciprocal rank.

Both legs see the same metadata filter (well, field, dates), so a question about 2016-03-14 never gets
evidence from another day. BM25 is a small in-memory implementation over the store's chunks (built once
when the retriever opens); tokens keep well names and dates whole (``15/9-f-12``, ``2016-03-14``).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from da_platform.rag.documents import Chunk
from da_platform.rag.embedder import Embedder
from da_platform.rag.store import Filter, VectorStore

_TOKEN = re.compile(r"[a-z0-9]+(?:[-/.][a-z0-9]+)*")
_RRF_K = 60
_IDENTIFIER = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b|\bf-?\d{1,2}\b")
_NO_DAY_LOW, _NO_DAY_HIGH = -1, 10**9


def tokenize(text: str) -> list[str]:
    """Lower-case tokens; a well name or a date stays one token."""
    return _TOKEN.findall(text.lower())


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over a fixed list of documents."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(len(texts), dtype=np.float32)
        for doc, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[doc] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((doc, tf))
        self.n = len(texts)
        self.lengths = lengths
        self.avg = float(lengths.mean()) if self.n else 0.0
        self.postings = {
            t: (np.array([d for d, _ in p], dtype=np.int64), np.array([f for _, f in p], dtype=np.float32))
            for t, p in postings.items()
        }

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros where no term matches)."""
        total = np.zeros(self.n, dtype=np.float32)
        for term in set(tokenize(query)):
            if term not in self.postings:
                continue
            docs, tf = self.postings[term]
            idf = math.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[docs] / max(self.avg, 1e-9))
            total[docs] += idf * tf * (self.k1 + 1) / norm
        return total


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the ranks it had in each leg (None: not in that leg)."""

    chunk: Chunk
    score: float
    dense_rank: int | None
    keyword_rank: int | None


class HybridRetriever:
    """Dense + BM25 retrieval over one store, with metadata filters."""

    def __init__(self, store: VectorStore, embedder: Embedder, candidates: int = 50) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.chunks = store.all_chunks()
        self.by_id = {c.id: c for c in self.chunks}
        self.bm25 = BM25([c.text for c in self.chunks])
        # Metadata as small integer codes: masks over 100k chunks are then a few vector compares.
        self._codes: dict[str, int] = {"": 0}
        self._well = self._encode([c.well_id or "" for c in self.chunks])
        self._field = self._encode([c.field_id or "" for c in self.chunks])
        self._kind = self._encode([c.kind for c in self.chunks])
        self._from = np.array(
            [c.day_from.toordinal() if c.day_from else _NO_DAY_LOW for c in self.chunks], dtype=np.int64
        )
        self._to = np.array([c.day_to.toordinal() if c.day_to else _NO_DAY_HIGH for c in self.chunks], dtype=np.int64)

    def _encode(self, values: list[str]) -> np.ndarray:
        return np.array([self._codes.setdefault(v, len(self._codes)) for v in values], dtype=np.int32)

    def _code(self, values: tuple[str, ...] | list[str]) -> list[int]:
        return [self._codes.get(v, -1) for v in values]

    def _mask(self, where: Filter) -> np.ndarray:
        mask = np.ones(len(self.chunks), dtype=bool)
        if where.wells:
            mask &= (self._well == 0) | np.isin(self._well, self._code(where.wells))
        if where.field:
            mask &= (self._field == 0) | (self._field == self._code([where.field])[0])
        if where.day_from:
            mask &= self._to >= where.day_from.toordinal()
        if where.day_to:
            mask &= self._from <= where.day_to.toordinal()
        if where.kinds:
            mask &= np.isin(self._kind, self._code(where.kinds))
        return mask

    def keyword_search(self, query: str, where: Filter, k: int) -> list[tuple[str, float]]:
        """(id, BM25 score) of the best k chunks passing ``where`` with a positive score."""
        if not self.chunks:
            return []
        scores = np.where(self._mask(where), self.bm25.scores(query), 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self.chunks[i].id, float(scores[i])) for i in top if scores[i] > 0]

    def search(self, query: str, where: Filter, k: int = 5) -> list[Hit]:
        """The k best chunks by reciprocal-rank fusion of the dense and keyword rankings."""
        if not self.chunks:
            return []
        vector = self.embedder.embed([query])[0]
        dense = self.store.dense_search(vector, where, self.candidates)
        keyword = self.keyword_search(query, where, self.candidates)
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense)}
        keyword_rank = {cid: r for r, (cid, _) in enumerate(keyword)}
        # A query naming a day or a well is answered by the chunks carrying that exact key: the keyword
        # leg then counts double. A sentence embedder places "oil rose on day X" close to "oil fell on
        # day Y" for the same well; only the keyword leg tells the days apart.
        keyword_weight = 2.0 if _IDENTIFIER.search(query.lower()) else 1.0
        fused: dict[str, float] = {}
        for ranks, weight in ((dense_rank, 1.0), (keyword_rank, keyword_weight)):
            for cid, r in ranks.items():
                fused[cid] = fused.get(cid, 0.0) + weight / (_RRF_K + r + 1)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [
            Hit(self.by_id[cid], score, dense_rank.get(cid), keyword_rank.get(cid))
            for cid, score in best
            if cid in self.by_id
        ]
