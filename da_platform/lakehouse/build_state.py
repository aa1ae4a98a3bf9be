"""What each silver partition was built from, kept in the lake beside silver.

A run can die anywhere between bronze and gold. Instead of trusting a "last success" flag, every silver
build records, per partition of its window, how many admitted bronze rows it conformed and which
register and reported monthly totals it used (``silver/_build_state``). The record is written last, after
the three silver tables and the warehouse's silver: if the run dies before it, the partition still reads as
not conformed and the next run rebuilds it (a window replace is idempotent). Bronze daily rows are only
ever appended, so a partition whose bronze row count differs from its record has rows silver never saw.

Each build also records the Delta version it left each silver table at (``silver/_build_versions``, a
table of its own so the state's schema needs no migration). Versions only grow, so a table now below the
version a partition's build recorded lost a commit (a deleted ``_delta_log`` file): that partition reads
as not conformed too, and the next run rebuilds it from bronze.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl

from da_platform.ingest import raw_zone
from da_platform.ingest.bronze import DAILY_TABLE as BRONZE_DAILY
from da_platform.lakehouse.delta_lake import Lake

BRONZE_REJECTIONS = "bronze/rejections"
SILVER_STATE = "silver/_build_state"
SILVER_REGISTER = "silver/well_register"
SILVER_MONTHLY = "silver/reported_monthly"
SILVER_VERSIONS = "silver/_build_versions"
VERSIONS_SCHEMA: dict[str, pl.DataType] = {
    "partition_key": pl.String(),
    "table": pl.String(),
    "version": pl.Int64(),
}
STATE_SCHEMA: dict[str, pl.DataType] = {
    "partition_key": pl.String(),
    "bronze_rows": pl.Int64(),
    "register_fingerprint": pl.String(),
    "monthly_fingerprint": pl.String(),
    "bronze_version": pl.Int64(),
    "run_id": pl.String(),
    "built_at": pl.Datetime("us", "UTC"),
}
_KEY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class BuiltPartition:
    """What one silver partition was last built from."""

    bronze_rows: int
    register_fingerprint: str
    monthly_fingerprint: str
    run_id: str = ""


@dataclass(frozen=True)
class References:
    """Fingerprints of the reference data a build conforms and reconciles against."""

    register: str
    monthly: str


def partition_key_expr(grain: str) -> pl.Expr:
    """The partition key (ISO date: the day, or the first of its month) of ``production_date``."""
    day = pl.col("production_date")
    return (day if grain == "daily" else day.dt.truncate("1mo")).dt.strftime("%Y-%m-%d")


def bronze_rows_by_partition(
    lake: Lake, grain: str, first: date | None = None, last: date | None = None
) -> dict[str, int]:
    """Admitted bronze daily rows per partition key (optionally within ``[first, last]``)."""
    if not lake.exists(BRONZE_DAILY):
        return {}
    rows = lake.scan(BRONZE_DAILY).filter(pl.col("admitted"))
    if first is not None and last is not None:
        rows = rows.filter(pl.col("production_date").is_between(first, last))
    # Count per day first (a few thousand groups), then key the days: formatting every row's date was most
    # of the cost on millions of rows.
    per_day = rows.group_by("production_date").len().collect()
    counts = per_day.group_by(partition_key_expr(grain).alias("key")).agg(pl.col("len").sum())
    return {key: int(n) for key, n in counts.iter_rows() if key is not None}


def unparsed_daily_files(lake: Lake) -> list[str]:
    """Daily files raw holds that bronze has neither parsed nor rejected whole (a run died between the two):
    the next ingest parses them (the same rule as ``bronze_daily``), but until then their days are unknown."""
    if not lake.exists(raw_zone.MANIFEST_TABLE):
        return []
    daily = (
        lake.scan(raw_zone.MANIFEST_TABLE).filter(pl.col("kind") == "daily").select("file_name", "version", "sha256")
    )
    entries = daily.collect()
    parsed: set[tuple] = set()
    if lake.exists(BRONZE_DAILY):
        parsed = set(lake.scan(BRONZE_DAILY).select("source_file", "source_version").unique().collect().iter_rows())
    rejected: set[str] = set()
    if lake.exists(BRONZE_REJECTIONS):
        whole = lake.scan(BRONZE_REJECTIONS).filter(pl.col("rule_id").str.starts_with("FILE_"))
        rejected = set(whole.select("source_sha256").unique().collect()["source_sha256"].to_list())
    return sorted(
        f"{name} (version {version})"
        for name, version, sha in entries.iter_rows()
        if (name, version) not in parsed and sha not in rejected
    )


def frame_fingerprint(frame: pl.DataFrame) -> str:
    """A content hash of a frame that ignores row order (stable within one polars version: a polars
    upgrade changes it, which costs one full rebuild, never a missed one)."""
    digest = hashlib.sha256(repr(sorted(frame.schema.items())).encode())
    if frame.height:
        digest.update(frame.select(sorted(frame.columns)).hash_rows(seed=0).sort().to_numpy().tobytes())
    return digest.hexdigest()[:32]


def register_fingerprint(register: pl.DataFrame) -> str:
    """The fingerprint of a silver well register (the frame a build conforms with)."""
    return frame_fingerprint(register)


def references(lake: Lake, register: pl.DataFrame | None = None) -> References:
    """The fingerprints of silver's register (``register`` if the caller has read it) and of the files the
    reported monthly totals were conformed from."""
    if register is None:
        register = lake.read(SILVER_REGISTER)
    monthly = (
        lake.scan(SILVER_MONTHLY).select("source_file", "source_sha256").unique().collect()
        if lake.exists(SILVER_MONTHLY)
        else pl.DataFrame()
    )
    return References(register_fingerprint(register), frame_fingerprint(monthly))


def read_state(lake: Lake) -> dict[str, BuiltPartition]:
    """The recorded build of every silver partition."""
    if not lake.exists(SILVER_STATE):
        return {}
    frame = lake.read(SILVER_STATE)
    return {
        row["partition_key"]: BuiltPartition(
            row["bronze_rows"], row["register_fingerprint"], row["monthly_fingerprint"], row["run_id"] or ""
        )
        for row in frame.iter_rows(named=True)
    }


def record_build(
    lake: Lake,
    keys: Iterable[str],
    counts: Mapping[str, int],
    refs: References,
    bronze_version: int | None,
    run_id: str,
) -> None:
    """Record that silver now holds the partitions ``keys``, conformed from ``counts`` bronze rows each
    (one Delta commit that replaces exactly these keys)."""
    keys = sorted(keys)
    if not keys:
        return
    for key in keys:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a partition key: {key!r}")
    now = datetime.now(UTC)
    frame = pl.DataFrame(
        {
            "partition_key": keys,
            "bronze_rows": [counts.get(k, 0) for k in keys],
            "register_fingerprint": [refs.register] * len(keys),
            "monthly_fingerprint": [refs.monthly] * len(keys),
            "bronze_version": [bronze_version] * len(keys),
            "run_id": [run_id] * len(keys),
            "built_at": [now] * len(keys),
        },
        schema=STATE_SCHEMA,
    )
    # The keys are ISO dates checked above, so the predicate holds no outside text.
    lake.replace_where(SILVER_STATE, frame, f"partition_key >= '{keys[0]}' AND partition_key <= '{keys[-1]}'")


def read_versions(lake: Lake) -> dict[str, dict[str, int]]:
    """The Delta version each silver table was left at by the last build of each partition."""
    if not lake.exists(SILVER_VERSIONS):
        return {}
    recorded: dict[str, dict[str, int]] = {}
    for key, table, version in lake.read(SILVER_VERSIONS, VERSIONS_SCHEMA).iter_rows():
        recorded.setdefault(key, {})[table] = version
    return recorded


def current_versions(lake: Lake, tables: Iterable[str]) -> dict[str, int | None]:
    """The current Delta version of each table (None when it does not exist, or lost every commit)."""
    from deltalake.exceptions import TableNotFoundError

    versions: dict[str, int | None] = {}
    for table in tables:
        try:
            versions[table] = lake.version(table)
        except TableNotFoundError:  # a log folder with no commit left in it
            versions[table] = None
    return versions


def record_versions(lake: Lake, keys: Iterable[str], versions: Mapping[str, int | None]) -> None:
    """Record the versions a build of the partitions ``keys`` left the silver tables at (one commit that
    replaces exactly these keys); a table the build did not write (None) is not recorded."""
    keys = sorted(keys)
    written = {t: v for t, v in sorted(versions.items()) if v is not None}
    if not keys or not written:
        return
    for key in keys:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a partition key: {key!r}")
    frame = pl.DataFrame(
        {
            "partition_key": [k for k in keys for _ in written],
            "table": [t for _ in keys for t in written],
            "version": [v for _ in keys for v in written.values()],
        },
        schema=VERSIONS_SCHEMA,
    )
    # The keys are ISO dates checked above, so the predicate holds no outside text.
    lake.replace_where(SILVER_VERSIONS, frame, f"partition_key >= '{keys[0]}' AND partition_key <= '{keys[-1]}'")
