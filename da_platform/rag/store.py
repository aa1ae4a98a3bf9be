"""Vector stores: the interface the index and the retriever use, and the embedded DuckDB implementation.

One collection per environment: ``rag_dev``, ``rag_qa_pr<N>``, ``rag_prod``. The embedded store is a DuckDB
file under the environment root (``<env root>/rag/index.duckdb``) with one table per collection, a
``FLOAT[384]`` column and DuckDB's core ``array_cosine_similarity`` (no extension: extensions cannot be
downloaded here). The pgvector store (``pgvector_store.py``, qa and prod) implements the same
:class:`VectorStore` protocol with ``vector(384)`` and ``<=>``; :func:`open_store` picks one from the
settings and nothing above this module knows which one it talks to.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np

from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import require_environment_folder
from da_platform.rag.documents import Chunk


def collection_name(settings: Settings) -> str:
    """``rag_dev``, ``rag_qa_pr123`` or ``rag_prod``: the environment's own collection."""
    return f"rag_qa_pr{settings.pr_id}" if settings.pr_id else f"rag_{settings.env}"


def index_path(settings: Settings) -> Path:
    """Where the embedded store of this environment lives."""
    return settings.env_root / "rag" / "index.duckdb"


@dataclass(frozen=True)
class Filter:
    """Metadata filter: chunks of these wells (or with no well), overlapping [day_from, day_to].

    Chunks without a well or without dates (runbooks) always pass: procedures apply to every well and day.
    """

    wells: tuple[str, ...] = ()
    field: str | None = None
    day_from: date | None = None
    day_to: date | None = None
    kinds: tuple[str, ...] = ()


class VectorStore(Protocol):
    """What the index builder and the retriever need from a store."""

    collection: str

    def hashes(self) -> dict[str, str]:
        """chunk id → content hash of everything stored."""
        ...

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Insert or replace these chunks with their vectors."""
        ...

    def delete(self, ids: list[str]) -> None:
        """Remove chunks by id."""
        ...

    def get(self, ids: list[str]) -> dict[str, Chunk]:
        """The stored chunks among ``ids`` (missing ids are simply absent)."""
        ...

    def dense_search(self, vector: np.ndarray, where: Filter, k: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest chunks passing ``where``."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (for the keyword index)."""
        ...

    def count(self) -> int:
        """Number of stored chunks."""
        ...

    def exists(self) -> bool:
        """Whether the collection has been created."""
        ...

    def close(self) -> None:
        """Release connections or files."""
        ...


def open_store(settings: Settings, read_only: bool = False) -> VectorStore:
    """The environment's store: pgvector when ``DATALIVE_VECTOR_DSN`` is set (qa, prod), else embedded DuckDB."""
    if settings.vector_dsn:
        from da_platform.rag.pgvector_store import PgVectorStore

        name = collection_name(settings)
        return PgVectorStore(settings.vector_dsn, name, expected_collection=name)
    return DuckDBVectorStore.for_settings(settings, read_only=read_only)


def index_built(settings: Settings) -> bool:
    """Whether the environment's collection exists (without creating a file or a table to find out)."""
    if not settings.vector_dsn and not index_path(settings).exists():
        return False
    store = open_store(settings, read_only=True)
    try:
        return store.exists()
    finally:
        store.close()


_COLUMNS = "id, source, kind, text, well_id, field_id, day_from, day_to"


class DuckDBVectorStore:
    """The embedded store: one DuckDB file per environment, one table per collection."""

    def __init__(self, path: Path, collection: str, env_key: str, dimension: int = 384, read_only: bool = False):
        if not re.fullmatch(r"rag_[a-z0-9_]+", collection):
            raise ValueError(f"{collection!r} is not a collection name (rag_<env>)")
        # <env root>/rag/index.duckdb: refuse a file outside this environment's folder.
        require_environment_folder(path.resolve().parent.parent, env_key, f"vector index {path}")
        self.path = path.resolve()
        self.collection = collection
        self.dimension = dimension
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None
        self._exists = False
        self._local = threading.local()
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings, read_only: bool = False) -> DuckDBVectorStore:
        """The store of ``settings``' environment."""
        return cls(index_path(settings), collection_name(settings), settings.isolation_key, read_only=read_only)

    def exists(self) -> bool:
        """Whether the collection has been created (an index was built at least once)."""
        if not self.path.exists():
            return False
        found = (
            self._connection()
            .execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [self.collection])
            .fetchone()
        )
        return bool(found and found[0])

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the store's one database connection (cursors are per thread in DuckDB)."""
        with self._lock:
            root = self._root()
        cursor = getattr(self._local, "cursor", None)
        if cursor is None or getattr(self._local, "root", None) is not root:
            cursor = root.cursor()
            self._local.cursor, self._local.root = cursor, root
        return cursor

    def _root(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            if not self.read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._con = duckdb.connect(str(self.path))
                self._con.execute(
                    f"CREATE TABLE IF NOT EXISTS {self.collection} (id VARCHAR PRIMARY KEY, source VARCHAR, "
                    f"kind VARCHAR, text VARCHAR, well_id VARCHAR, field_id VARCHAR, day_from DATE, day_to DATE, "
                    f"content_hash VARCHAR, embedding FLOAT[{self.dimension}])"
                )
            else:
                self._con = duckdb.connect(str(self.path), read_only=True)
        return self._con

    def close(self) -> None:
        """Release the file (DuckDB allows one writer per file)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def hashes(self) -> dict[str, str]:
        """chunk id → content hash."""
        if not self.exists():
            return {}
        return dict(self._connection().execute(f"SELECT id, content_hash FROM {self.collection}").fetchall())

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Replace or insert ``chunks`` in one transaction."""
        if not chunks:
            return
        import pyarrow as pa

        con = self._connection()
        table = pa.table(
            {
                "id": [c.id for c in chunks],
                "source": [c.source for c in chunks],
                "kind": [c.kind for c in chunks],
                "text": [c.text for c in chunks],
                "well_id": [c.well_id for c in chunks],
                "field_id": [c.field_id for c in chunks],
                "day_from": pa.array([c.day_from for c in chunks], pa.date32()),
                "day_to": pa.array([c.day_to for c in chunks], pa.date32()),
                "content_hash": [c.content_hash for c in chunks],
                "embedding": pa.FixedSizeListArray.from_arrays(
                    pa.array(np.asarray(vectors, dtype=np.float32).ravel()), self.dimension
                ),
            }
        )
        con.register("incoming_chunks", table)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(f"DELETE FROM {self.collection} WHERE id IN (SELECT id FROM incoming_chunks)")
            con.execute(f"INSERT INTO {self.collection} BY NAME SELECT * FROM incoming_chunks")
            con.execute("COMMIT")
        finally:
            con.unregister("incoming_chunks")

    def delete(self, ids: list[str]) -> None:
        """Remove chunks by id."""
        if ids:
            self._connection().execute(f"DELETE FROM {self.collection} WHERE list_contains(?, id)", [ids])

    def get(self, ids: list[str]) -> dict[str, Chunk]:
        """Stored chunks by id."""
        if not ids or not self.exists():
            return {}
        rows = (
            self._connection()
            .execute(f"SELECT {_COLUMNS} FROM {self.collection} WHERE list_contains(?, id)", [list(ids)])
            .fetchall()
        )
        return {row[0]: Chunk(*row) for row in rows}

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk, ordered by id."""
        if not self.exists():
            return []
        rows = self._connection().execute(f"SELECT {_COLUMNS} FROM {self.collection} ORDER BY id").fetchall()
        return [Chunk(*row) for row in rows]

    def count(self) -> int:
        """Number of stored chunks (0 when the collection does not exist)."""
        if not self.exists():
            return 0
        return self._connection().execute(f"SELECT count(*) FROM {self.collection}").fetchone()[0]

    def dense_search(self, vector: np.ndarray, where: Filter, k: int) -> list[tuple[str, float]]:
        """Cosine nearest neighbours among the chunks that pass ``where`` (exact scan, bound parameters)."""
        sql = [
            f"SELECT id, array_cosine_similarity(embedding, ?::FLOAT[{self.dimension}]) AS score "
            f"FROM {self.collection} WHERE true"
        ]
        params: list[object] = [np.asarray(vector, dtype=np.float32).tolist()]
        # Placeholders are generated by count only; every value is a bound parameter. A plain IN list
        # lets DuckDB filter before it touches the vectors (list_contains per row was 3x slower here).
        if where.wells:
            sql.append(f"AND (well_id IS NULL OR well_id IN ({', '.join('?' * len(where.wells))}))")
            params.extend(where.wells)
        if where.field:
            sql.append("AND (field_id IS NULL OR field_id = ?)")
            params.append(where.field)
        if where.day_from:
            sql.append("AND (day_to IS NULL OR day_to >= ?)")
            params.append(where.day_from)
        if where.day_to:
            sql.append("AND (day_from IS NULL OR day_from <= ?)")
            params.append(where.day_to)
        if where.kinds:
            sql.append(f"AND kind IN ({', '.join('?' * len(where.kinds))})")
            params.extend(where.kinds)
        sql.append("ORDER BY score DESC, id LIMIT ?")
        params.append(k)
        return [(i, float(s)) for i, s in self._connection().execute(" ".join(sql), params).fetchall()]
