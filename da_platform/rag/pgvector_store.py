"""The server vector store for qa and prod: PostgreSQL + pgvector, one table per environment's collection.

Same :class:`~da_platform.rag.store.VectorStore` protocol as the embedded DuckDB store: ``vector(384)``,
an HNSW index on cosine distance, metadata filters in SQL. HNSW is approximate and a filter applied after
the index scan can leave fewer than k rows, so searches use pgvector's iterative scan in strict order and a
candidate pool larger than k, then order ties by id as the embedded store does: on a collection of this
size the two return the same neighbours (tested on the Volve index).
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

import numpy as np

from da_platform.rag.documents import Chunk
from da_platform.rag.store import Filter, SqlChunkReads

if TYPE_CHECKING:
    import psycopg

EF_SEARCH = 200  # candidates the HNSW scan keeps; above the largest k the retriever asks for


class CollectionOutsideEnvironmentError(PermissionError):
    """A store was pointed at another environment's collection."""


class PgVectorStore(SqlChunkReads):
    """A collection (``rag_dev``, ``rag_qa_pr12``, ``rag_prod``) in a PostgreSQL database with pgvector."""

    ID_IN = "id = ANY(%s)"

    def __init__(self, dsn: str, collection: str, expected_collection: str, dimension: int = 384) -> None:
        if not re.fullmatch(r"rag_[a-z0-9_]+", collection):
            raise ValueError(f"{collection!r} is not a collection name (rag_<env>)")
        if collection != expected_collection:
            raise CollectionOutsideEnvironmentError(
                f"collection {collection!r} belongs to another environment; this one writes {expected_collection!r}"
            )
        self._dsn = dsn  # may hold a password: never logged, never in repr
        self.collection = collection
        self.dimension = dimension
        self._local = threading.local()
        self._created = False

    def __repr__(self) -> str:
        return f"PgVectorStore(collection={self.collection!r})"

    def _connection(self) -> psycopg.Connection:
        """This thread's connection (psycopg connections are not shared across threads here)."""
        con = getattr(self._local, "con", None)
        if con is None or con.closed:
            import psycopg
            from pgvector.psycopg import register_vector

            con = psycopg.connect(self._dsn, autocommit=True)
            con.execute("CREATE EXTENSION IF NOT EXISTS vector")
            register_vector(con)
            con.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
            con.execute("SET hnsw.iterative_scan = strict_order")
            self._local.con = con
        return con

    def _ensure_table(self) -> None:
        if self._created:
            return
        con = self._connection()
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {self.collection} (id TEXT PRIMARY KEY, source TEXT, kind TEXT, "
            f"text TEXT, well_id TEXT, field_id TEXT, day_from DATE, day_to DATE, content_hash TEXT, "
            f"embedding vector({self.dimension}))"
        )
        con.execute(
            f"CREATE INDEX IF NOT EXISTS {self.collection}_embedding_hnsw ON {self.collection} "
            "USING hnsw (embedding vector_cosine_ops)"
        )
        self._created = True

    def exists(self) -> bool:
        """Whether the collection's table has been created."""
        row = self._connection().execute("SELECT to_regclass(%s)", [self.collection]).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        """Close this thread's connection."""
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    def drop(self) -> None:
        """Drop the collection (the pull request's cleanup)."""
        self._connection().execute(f"DROP TABLE IF EXISTS {self.collection}")
        self._created = False

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Insert or replace ``chunks`` in one transaction."""
        if not chunks:
            return
        self._ensure_table()
        rows = [
            (c.id, c.source, c.kind, c.text, c.well_id, c.field_id, c.day_from, c.day_to, c.content_hash, v)
            for c, v in zip(chunks, np.asarray(vectors, dtype=np.float32), strict=True)
        ]
        con = self._connection()
        with con.transaction(), con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self.collection} (id, source, kind, text, well_id, field_id, day_from, day_to, "
                "content_hash, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source, kind = EXCLUDED.kind, "
                "text = EXCLUDED.text, well_id = EXCLUDED.well_id, field_id = EXCLUDED.field_id, "
                "day_from = EXCLUDED.day_from, day_to = EXCLUDED.day_to, content_hash = EXCLUDED.content_hash, "
                "embedding = EXCLUDED.embedding",
                rows,
            )

    def delete(self, ids: list[str]) -> None:
        """Remove chunks by id."""
        if ids and self.exists():
            self._connection().execute(f"DELETE FROM {self.collection} WHERE id = ANY(%s)", [list(ids)])

    def dense_search(self, vector: np.ndarray, where: Filter, k: int) -> list[tuple[str, float]]:
        """Cosine nearest neighbours among the chunks that pass ``where`` (HNSW, bound parameters)."""
        if not self.exists():
            return []
        query = np.asarray(vector, dtype=np.float32)
        conditions, filter_params = where.conditions("%s", bind_lists=True)
        sql = [f"SELECT id, embedding <=> %s AS distance FROM {self.collection} WHERE true {conditions}"]
        params: list[object] = [query, *filter_params]
        # The index orders by distance only; a pool beyond k lets equal scores be ordered by id afterwards,
        # as the embedded store does, so chunks that share a vector come back in the same order.
        sql.append("ORDER BY embedding <=> %s LIMIT %s")
        params.extend([query, max(2 * k, k + 20)])
        rows = self._connection().execute(" ".join(sql), params).fetchall()
        scored = sorted(((i, float(np.float32(1.0 - d))) for i, d in rows), key=lambda r: (-r[1], r[0]))
        return scored[:k]
