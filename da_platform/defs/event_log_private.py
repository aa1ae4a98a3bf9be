"""The one place the dev instance overrides private parts of Dagster's SQLite event log.

The stock ``SqliteEventLogStorage`` (``dagster/_core/storage/event_log/sqlite/sqlite_event_log.py``) builds a
new SQLAlchemy engine, and so a new SQLite connection and an empty statement cache, for every event it
stores, and asks a fresh engine whether the asset-check table exists before every asset-check event. A
partitioned run over years of months stores thousands of events (one materialization per asset and
partition, two per dbt test), and that set-up cost was a third of `datalive run --sample` on this 2-core
machine. Dagster offers no public setting for it, so this subclass reuses upstream's private ``_initdb``
(create a shard's schema), ``_initialized_dbs`` (shards already initialised; upstream resets it on
``upgrade`` and ``wipe``) and ``_db_lock`` (serialises connections), and overrides the public
``run_connection``, ``index_connection`` and ``has_table``, and the private
``_store_asset_check_evaluation_planned`` (upstream serialises the whole event once per partition and compiles
one multi-row INSERT per event: 146 checks over 60 monthly partitions cost 2.4 s of a 1,000-well run).
``tests/test_private_dagster_pins.py`` fails on any other dagster version than ``PINNED`` until this is
re-checked against that file.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster._core.events import AssetCheckEvaluationPlanned
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData, serialize_value

PINNED = {"dagster": "1.13.27"}
UPSTREAM = "dagster/_core/storage/event_log/sqlite/sqlite_event_log.py (SqliteEventLogStorage)"
OPEN_SHARDS = 8  # the index plus the latest runs' databases; a UI reading old runs reopens theirs


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` that keeps one engine per database file (the index and the most recently
    used runs), so each event is one INSERT on an open connection with a cached compiled statement.

    ``synchronous=NORMAL`` is SQLite's recommended setting in WAL mode: a crash of the machine can lose
    the last events of a run, never corrupt the file; the lakehouse's own state is in Delta, not here.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # (set first: the parent's constructor already connects when it creates the index)
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._tables: set[str] = set()
        self._batch = threading.local()  # .connections: shard -> open transaction, inside store_event_batch
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _open_engine(self, shard: str) -> sa.Engine:
        """The shard's open engine (the caller holds ``_db_lock``)."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = sa.create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        sa.event.listen(engine, "connect", _durable_enough)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_SHARDS:
            oldest = next(s for s in self._engines if s != INDEX_SHARD_NAME)
            self._engines.pop(oldest).dispose()
        return engine

    @contextmanager
    def _pooled_connection(self, shard: str) -> Iterator[sa.Connection]:
        batch = getattr(self._batch, "connections", None)
        if batch is not None:  # inside store_event_batch, on its thread: its open transaction on the shard
            if shard not in batch:
                conn = self._open_engine(shard).connect()
                conn.begin()
                batch[shard] = conn
            yield batch[shard]
            return
        with self._db_lock, self._open_engine(shard).connect() as conn, conn.begin():
            yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Store ``events`` in one transaction per database instead of one per event.

        Dagster hands a batch here when ``DAGSTER_EVENT_BATCH_SIZE`` is set (``env.apply_process_defaults``):
        the materializations of one output over a range of partitions, e.g. 60 monthly partitions of a dbt
        model. Each event is stored exactly as :meth:`store_event` stores it; only the commits are shared.
        On an error nothing of the batch is committed, and Dagster then stores the events one by one.
        """
        with self._db_lock:
            self._batch.connections = {}
            try:
                for event in events:
                    self.store_event(event)
                # (the run's own database first: its events are the record; the index mirrors them)
                for shard in sorted(self._batch.connections, key=lambda s: s == INDEX_SHARD_NAME):
                    self._batch.connections[shard].commit()
            finally:
                for conn in self._batch.connections.values():
                    conn.close()  # (rolls back whatever was not committed)
                self._batch.connections = None

    # The stock class opens every connection through these two (its ``_connect``); overriding them, not
    # ``_connect``, keeps the override on the storage's public interface.
    def run_connection(self, run_id: str | None = None) -> Any:
        return self._pooled_connection(run_id)  # type: ignore[arg-type]  # (the stock signature's own)

    def index_connection(self) -> Any:
        return self._pooled_connection(INDEX_SHARD_NAME)

    def has_table(self, table_name: str) -> bool:
        # Asked before every asset-check event; a table, once there, stays (migrations only add them).
        if table_name not in self._tables:
            if not super().has_table(table_name):
                return False
            self._tables.add(table_name)
        return True

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        # Upstream's rows exactly (one per planned partition, each carrying the whole event), with the event
        # serialised once and the rows sent as one executemany of a statement compiled once.
        planned = event.get_dagster_event().event_specific_data
        assert isinstance(planned, AssetCheckEvaluationPlanned)
        partition_keys = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        common = {
            "asset_key": planned.asset_key.to_string(),
            "check_name": planned.check_name,
            "run_id": event.run_id,
            "execution_status": AssetCheckExecutionRecordStatus.PLANNED.value,
            "evaluation_event": serialize_value(event),
            "evaluation_event_timestamp": self._event_insert_timestamp(event),
            "evaluation_event_storage_id": event_id,
        }
        with self.index_connection() as conn:
            conn.execute(AssetCheckExecutionsTable.insert(), [{**common, "partition": key} for key in partition_keys])

    def upgrade(self) -> None:
        self.dispose_engines()
        super().upgrade()

    def dispose_engines(self) -> None:
        """Close every open database (the next use reopens it)."""
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def dispose(self) -> None:
        super().dispose()
        self.dispose_engines()


def _durable_enough(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
