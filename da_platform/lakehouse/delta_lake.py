"""A Delta Lake rooted in one environment's folder, read and written with delta-rs.

Every path is resolved against the environment's root and a write anywhere else is refused, so a
misconfigured table name or ``..`` can never touch another environment's data. Reads go through
polars (``read_delta``): converting a ``DeltaTable`` to pyarrow makes the process abort on exit.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from deltalake import DeltaTable, write_deltalake


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


class Lake:
    """Delta tables and immutable files under ``root`` (``<home>/<env>/lake``)."""

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

    def exists(self, table: str) -> bool:
        """Whether a Delta table has been written at ``table``."""
        return (self.path(table) / "_delta_log").is_dir()

    def read(
        self, table: str, schema: dict[str, pl.DataType] | None = None, version: int | None = None
    ) -> pl.DataFrame:
        """Read a whole table (optionally at an older version); an empty frame if it does not exist yet."""
        if not self.exists(table):
            return pl.DataFrame(schema=schema or {})
        return pl.read_delta(str(self.path(table)), version=version)

    def scan(self, table: str) -> pl.LazyFrame:
        """A lazy scan, for filters pushed down to the Parquet files."""
        return pl.scan_delta(str(self.path(table)))

    def version(self, table: str) -> int | None:
        """The current version of a table, or None if it does not exist."""
        return DeltaTable(str(self.path(table))).version() if self.exists(table) else None

    def append(self, table: str, frame: pl.DataFrame) -> None:
        """Append rows, creating the table on first write."""
        if frame.height == 0 and self.exists(table):
            return
        write_deltalake(
            str(self.path(table)),
            frame.to_arrow(),
            mode="append",
            schema_mode="merge",
        )

    def replace_where(self, table: str, frame: pl.DataFrame, predicate: str) -> None:
        """Atomically replace the rows matching ``predicate`` with ``frame`` (idempotent reruns).

        ``predicate`` is a delta-rs SQL expression built by the caller from typed values (dates), never
        from user text.
        """
        if not self.exists(table):
            self.append(table, frame)
            return
        write_deltalake(str(self.path(table)), frame.to_arrow(), mode="overwrite", predicate=predicate)

    def overwrite(self, table: str, frame: pl.DataFrame) -> None:
        """Replace the whole table; the previous version stays reachable by time travel."""
        write_deltalake(str(self.path(table)), frame.to_arrow(), mode="overwrite", schema_mode="overwrite")

    def write_bytes_once(self, relative: str, data: bytes) -> Path:
        """Write an immutable file; an existing file with other content is never replaced."""
        target = self.path(relative)
        if target.exists():
            if target.read_bytes() != data:
                raise FileExistsError(f"{target} exists with different content; raw files are immutable")
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        return target
