"""Dagster's SQLite event log (dev's embedded instance), with its database connections kept open.

The stock ``SqliteEventLogStorage`` builds a new SQLAlchemy engine, and so a new SQLite connection and an
empty statement cache, for every event it stores, and asks a fresh engine whether the asset-check table
exists before every asset-check event. A partitioned run over years of months stores thousands of events
(one materialization per asset and partition, two per dbt test), and that set-up cost was a third of
`datalive run --sample` (107 s → 74 s with this class, on this 2-core machine). Same files, same schema,
same WAL journal: a Dagster UI or daemon with the stock class reads and writes them unchanged.
"""

from __future__ import annotations

import json
import os
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData

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
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
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
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        # Asked before every asset-check event; a table, once there, stays (migrations only add them).
        if table_name not in self._tables:
            if not super().has_table(table_name):
                return False
            self._tables.add(table_name)
        return True

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


def instance_yaml_section(base_dir: os.PathLike[str] | str) -> str:
    """The ``event_log_storage`` section of a dagster.yaml that stores events under ``base_dir`` (Dagster's
    default place is ``$DAGSTER_HOME/history/runs``)."""
    return (
        "event_log_storage:\n"
        f"  module: {__name__}\n"
        f"  class: {PooledSqliteEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {json.dumps(os.fspath(base_dir))}\n"  # a JSON string is a YAML string
    )


def _section_pattern() -> re.Pattern[str]:
    head = re.escape(instance_yaml_section("@").removesuffix('"@"\n'))  # the section up to its base_dir value
    return re.compile(f'^{head}(?P<base_dir>"[^\n]*")$', re.MULTILINE)


def rehome_instance_yaml(text: str, dagster_home: Path) -> str:
    """``text`` (a dagster.yaml) with the event log section datalive wrote pointed at ``dagster_home``.

    Dagster's storage config takes absolute paths, so a home that was copied, moved or restored would keep
    writing its run and check history into the old home's files. The section is rewritten when its
    ``base_dir`` is another datalive instance's ``.../dagster/history/runs``; anything else a person
    changed in the file, or a base_dir they chose elsewhere, is left as it is.
    """
    wanted = dagster_home / "history" / "runs"

    def repoint(match: re.Match[str]) -> str:
        current = Path(json.loads(match["base_dir"]))
        if current == wanted or current.parts[-3:] != ("dagster", "history", "runs"):
            return match[0]
        return instance_yaml_section(wanted).rstrip("\n")

    return _section_pattern().sub(repoint, text)
