"""The environment's Delta lake, read and written with delta-rs: a local folder or an object store.

Every location is resolved against the environment's own root and anything else is refused, so a
misconfigured table name or ``..`` can never touch another environment's data. Reads go through polars
(``read_delta``): converting a ``DeltaTable`` to pyarrow makes the process abort on exit.
:func:`open_lake` picks the backend from the settings; everything else only sees :class:`Lake`.
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from pathlib import Path

import polars as pl
from deltalake import DeltaTable, write_deltalake

from da_platform.env import Settings


class OutsideEnvironmentError(PermissionError):
    """A write was aimed outside the environment's root."""


def require_environment_folder(folder: Path, env_key: str, what: str) -> None:
    """Refuse a location whose enclosing folder is not the environment's own (``.../<env>`` or ``.../qa/pr-N``).

    A qa resource pointed at prod's folder is refused before anything is written. Only the folder(s)
    right above the location count, so a home such as /srv/prod/datalive cannot make every
    environment's data look like prod's.
    """
    env_parts = tuple(env_key.split("/"))
    if folder.parts[-len(env_parts) :] != env_parts:
        raise OutsideEnvironmentError(f"{what} is not inside the {env_key!r} environment's folder")


class NotPlainParquet(ValueError):
    """A Delta table whose current data files do not hold it alone, so a Parquet reader would misread it."""


# Reader features a plain Parquet reader honours anyway; any other (deletion vectors, column mapping, ...)
# changes what the files mean.
_PLAIN_READER_FEATURES = frozenset({"timestampNtz"})


class Lake(ABC):
    """Delta tables and immutable files of one environment, addressed by relative names (``silver/x``)."""

    env_key: str
    #: delta-rs / object_store options every read and write of this lake needs (None: none).
    storage_options: dict[str, str] | None = None

    @abstractmethod
    def uri(self, *parts: str) -> str:
        """The location of a table or file, refusing anything outside the environment's lake."""

    @abstractmethod
    def exists(self, table: str) -> bool:
        """Whether a Delta table has been written at ``table``."""

    @abstractmethod
    def read_bytes(self, relative: str) -> bytes:
        """The bytes of an immutable file (FileNotFoundError when it is missing)."""

    @abstractmethod
    def file_size(self, relative: str) -> int:
        """The size in bytes of an immutable file, without reading it (FileNotFoundError when missing)."""

    @abstractmethod
    def write_bytes_once(self, relative: str, data: bytes) -> str:
        """Write an immutable file and return its location; an existing file with other content is never
        replaced (FileExistsError)."""

    @abstractmethod
    def put_back(self, relative: str, data: bytes) -> str:
        """Write a raw file's verified original bytes over a missing or damaged copy (recovery only: the
        caller has checked ``data`` against the manifest's sha256)."""

    @abstractmethod
    def readiness(self) -> str:
        """Probe that the lake is reachable and writable (doctor); raises when it is not."""

    @abstractmethod
    def drop_everything(self) -> None:
        """Delete every table and file of this lake (a closed pull request's branch deployment)."""

    def read(
        self, table: str, schema: dict[str, pl.DataType] | None = None, version: int | None = None
    ) -> pl.DataFrame:
        """Read a whole table (optionally at an older version); an empty frame if it does not exist yet."""
        if not self.exists(table):
            return pl.DataFrame(schema=schema or {})
        return pl.read_delta(self.uri(table), version=version, storage_options=self.storage_options)

    def scan(self, table: str) -> pl.LazyFrame:
        """A lazy scan, for filters pushed down to the Parquet files."""
        return pl.scan_delta(self.uri(table), storage_options=self.storage_options)

    def version(self, table: str) -> int | None:
        """The current version of a table, or None if it does not exist."""
        if not self.exists(table):
            return None
        return DeltaTable(self.uri(table), storage_options=self.storage_options).version()

    def data_files(self, table: str) -> list[str]:
        """The Parquet files of ``table``'s current version, for a reader that does not speak Delta.

        Only where those files alone are the table: refused (:class:`NotPlainParquet`) for a partitioned
        table (its values live in the paths) or a protocol whose reader features change what the files
        mean (deletion vectors hide rows, column mapping renames columns). Reading the table's folder as
        plain Parquet instead would also read every file that older versions removed. A table not created
        yet has no files.
        """
        if not self.exists(table):
            return []
        dt = DeltaTable(self.uri(table), storage_options=self.storage_options)
        protocol = dt.protocol()
        features = set(protocol.reader_features or ()) - _PLAIN_READER_FEATURES
        if protocol.min_reader_version == 2 or features:
            found = ", ".join(sorted(features)) or "column mapping"
            raise NotPlainParquet(f"{table}: its Delta protocol needs a Delta reader ({found})")
        if dt.metadata().partition_columns:
            raise NotPlainParquet(f"{table}: partitioned by {', '.join(dt.metadata().partition_columns)}")
        return dt.file_uris()

    def change_marker(self, table: str) -> object | None:
        """Changes whenever ``table`` is written (for caches on a hot path); None if it does not exist."""
        return self.version(table)

    def append(self, table: str, frame: pl.DataFrame) -> None:
        """Append rows, creating the table on first write."""
        if frame.height == 0 and self.exists(table):
            return
        write_deltalake(
            self.uri(table),
            frame.to_arrow(),
            mode="append",
            schema_mode="merge",
            storage_options=self.storage_options,
        )

    def replace_where(self, table: str, frame: pl.DataFrame, predicate: str) -> None:
        """Atomically replace the rows matching ``predicate`` with ``frame`` (idempotent reruns).

        ``predicate`` is a delta-rs SQL expression built by the caller from typed values (dates), never
        from user text.
        """
        if not self.exists(table):
            self.append(table, frame)
            return
        write_deltalake(
            self.uri(table),
            frame.to_arrow(),
            mode="overwrite",
            predicate=predicate,
            storage_options=self.storage_options,
        )

    def overwrite(self, table: str, frame: pl.DataFrame) -> None:
        """Replace the whole table; the previous version stays reachable by time travel."""
        write_deltalake(
            self.uri(table),
            frame.to_arrow(),
            mode="overwrite",
            schema_mode="overwrite",
            storage_options=self.storage_options,
        )


class LocalLake(Lake):
    """The embedded default: Delta tables and immutable files under ``root`` (``<home>/<env>/lake``)."""

    def __init__(self, root: Path, env_key: str) -> None:
        self.root = root.resolve()
        self.env_key = env_key
        require_environment_folder(self.root.parent, env_key, f"lake root {self.root}")

    def path(self, *parts: str) -> Path:
        """The absolute path of a table or file, refusing anything that escapes the root."""
        candidate = self.root.joinpath(*parts).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            raise OutsideEnvironmentError(
                f"{'/'.join(parts)!r} resolves to {candidate}, outside the {self.env_key!r} lake {self.root}"
            )
        return candidate

    def uri(self, *parts: str) -> str:
        return str(self.path(*parts))

    def exists(self, table: str) -> bool:
        return (self.path(table) / "_delta_log").is_dir()

    def change_marker(self, table: str) -> object | None:
        # A stat of the log folder: loading the table for its version costs ~10 ms and grows with the log.
        try:
            return (self.path(table) / "_delta_log").stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def read_bytes(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()

    def file_size(self, relative: str) -> int:
        return self.path(relative).stat().st_size

    def write_bytes_once(self, relative: str, data: bytes) -> str:
        target = self.path(relative)
        if target.exists():
            if target.read_bytes() != data:
                raise FileExistsError(f"{target} exists with different content; raw files are immutable")
            return str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        return str(target)

    def put_back(self, relative: str, data: bytes) -> str:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        return str(target)

    def readiness(self) -> str:
        if not self.root.exists():
            parent = next(p for p in self.root.parents if p.exists())
            if not os.access(parent, os.W_OK):
                raise PermissionError(f"lake folder missing and {parent.name}/ is not writable")
            return "not created yet (the first run creates it); its parent is writable"
        probe = self.root / ".doctor-probe"
        probe.write_bytes(b"ok")
        probe.unlink()
        return f"writable, inside the {self.env_key} folder"

    def drop_everything(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)


def open_lake_at(location: str, env_key: str, kms_key_id: str | None = None) -> Lake:
    """The lake at ``location``: a folder, or an object-store URL template with ``{zone}`` (see
    :mod:`da_platform.lakehouse.object_lake`)."""
    if "://" not in location:
        return LocalLake(Path(location), env_key)
    from da_platform.lakehouse.object_lake import ObjectStoreLake

    return ObjectStoreLake(location, env_key, kms_key_id)


def open_lake(settings: Settings) -> Lake:
    """The environment's lake, on the backend its settings name."""
    return open_lake_at(settings.lake_location, settings.isolation_key, settings.lake_kms_key_id)
