"""``datalive dr drill``: the recovery plan run end to end, in a scratch environment or qa (never prod).

1. Fingerprint every table: each Delta table of the lake, each raw file against the manifest, each base
   table of the warehouse (rows and an order-independent content hash).
2. Destroy as a disaster would: drop the warehouse file (the embedded DuckDB one; a Snowflake warehouse in
   qa is fingerprinted by neither side and left alone); write a bad commit to a silver table that deletes
   its latest month (what a faulty run or a stray DELETE does); delete another silver table's latest commit
   (on a versioned object store its log object, on a local folder its ``_delta_log`` file and any checkpoint
   covering it); on a versioned store, also delete raw objects (a local folder has no versions for them).
3. Recover with the same functions ``datalive restore`` uses: time travel for the silver table (a new
   commit), raw and the deleted commit from object versions; on a local folder the deleted commit reads as
   pending (``silver/_build_versions``) and the run of the pending window re-conforms it from bronze; then
   the warehouse is rebuilt from silver.
4. Fingerprint again and prove every fingerprint equal; the recovery time is measured from the first
   restore step to the last fingerprint.

The audit trail is not fingerprinted (the drill appends to it) but is verified before and after.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
from deltalake import DeltaTable

from da_platform import catalog
from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import Lake
from da_platform.ops import audit
from da_platform.ops.restore import rebuild_warehouse, recover_deleted_commits, recover_raw, restore_table
from da_platform.ops.retention import VACUUMED_TABLES

DRILL_SILVER_TABLE = catalog.SILVER_PRODUCTION.path
# On a versioned store the drill also deletes this table's latest commit object and recovers it.
COMMIT_DELETED_TABLE = catalog.SILVER_INJECTION.path
RAW_OBJECTS_DELETED = 2
# Every Delta table a drill fingerprints (those that exist): raw's, then every table a vacuum may clean; the
# audit trail is verified instead.
LAKE_TABLES = (catalog.RAW_MANIFEST.path, catalog.RAW_LANDING_STAT_CACHE.path, *VACUUMED_TABLES)
# Floats are compared to this many decimals: a full rebuild may add a window's values in another order.
_FLOAT_DECIMALS = 6


class DrillRefused(ValueError):
    """The drill cannot run here (prod, or an environment it cannot restore); nothing was changed."""


@dataclass(frozen=True)
class Fingerprint:
    """Rows and content hash of one table or file."""

    rows: int
    content: str


@dataclass
class DrillReport:
    """What the drill destroyed, how it recovered, and whether every fingerprint came back."""

    environment: str
    before: dict[str, Fingerprint]
    after: dict[str, Fingerprint] = field(default_factory=dict)
    destroyed: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    recovery_seconds: float = 0.0

    @property
    def mismatches(self) -> list[str]:
        """Tables whose fingerprint differs (or that are missing) after recovery."""
        names = sorted(set(self.before) | set(self.after))
        return [n for n in names if self.before.get(n) != self.after.get(n)]

    @property
    def passed(self) -> bool:
        """True when every fingerprint taken before the disaster is equal after recovery."""
        return bool(self.after) and not self.mismatches

    def describe(self) -> str:
        """The drill's report for the CLI."""
        lines = [f"dr drill · {self.environment} · {len(self.before)} tables and files fingerprinted"]
        lines += [f"  destroyed: {d}" for d in self.destroyed]
        lines += [f"  recovered: {r}" for r in self.recovered]
        if self.passed:
            lines.append(f"  every fingerprint equal ({len(self.after)})")
        else:
            lines += [f"  MISMATCH {n}: before {self.before.get(n)} after {self.after.get(n)}" for n in self.mismatches]
        lines.append(f"  recovery time: {self.recovery_seconds:.1f} s")
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)


def content_fingerprint(frame: pl.DataFrame) -> Fingerprint:
    """Rows and a hash of a frame that ignores row and column order (floats rounded to 6 decimals)."""
    if frame.width == 0:
        return Fingerprint(frame.height, hashlib.sha256(b"").hexdigest())
    ordered = frame.select(sorted(frame.columns))
    ordered = ordered.with_columns(pl.col(pl.Float32, pl.Float64).round(_FLOAT_DECIMALS))
    schema = ";".join(f"{name}:{dtype}" for name, dtype in ordered.schema.items())
    rows = ordered.hash_rows(seed=0).sort()
    digest = hashlib.sha256(schema.encode())
    digest.update(rows.to_numpy().tobytes())
    return Fingerprint(frame.height, digest.hexdigest())


def fingerprint(settings: Settings, lake: Lake) -> dict[str, Fingerprint]:
    """Fingerprints of every lake table, raw file and warehouse base table of the environment."""
    from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE

    prints: dict[str, Fingerprint] = {}
    for table in LAKE_TABLES:
        if lake.exists(table):
            prints[f"lake:{table}"] = content_fingerprint(lake.read(table))
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA).unique("raw_path", keep="first")
    for (raw_path,) in manifest.select("raw_path").iter_rows():
        try:
            data = lake.read_bytes(raw_path)
        except FileNotFoundError:
            prints[f"raw:{raw_path}"] = Fingerprint(0, "missing")
            continue
        prints[f"raw:{raw_path}"] = Fingerprint(len(data), hashlib.sha256(data).hexdigest())
    prints.update(_warehouse_fingerprints(settings))
    return prints


def _warehouse_fingerprints(settings: Settings) -> dict[str, Fingerprint]:
    import duckdb

    path = settings.warehouse_path
    if settings.warehouse_backend != "duckdb" or not path.exists():
        return {}
    prints = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE (table_type = 'BASE TABLE' AND table_schema = 'gold') OR table_schema = 'silver' "
            "ORDER BY 1, 2"  # silver's well-day views are its data; gold's views only derive from it
        ).fetchall()
        for schema, name in tables:
            # Names come from the catalogue, quoted as identifiers.
            frame = con.execute(f'SELECT * FROM "{schema}"."{name}"').pl()
            prints[f"warehouse:{schema}.{name}"] = content_fingerprint(frame)
    return prints


def _refuse(settings: Settings, lake: Lake) -> None:
    if settings.env == "prod":
        raise DrillRefused("the drill destroys data on purpose: it runs in a scratch environment or qa, never prod")
    for needed in (DRILL_SILVER_TABLE, catalog.RAW_MANIFEST.path):
        if not lake.exists(needed):
            raise DrillRefused(f"nothing to drill: {needed} does not exist yet (run `datalive run` first)")
    if settings.warehouse_backend == "duckdb" and not settings.warehouse_path.exists():
        raise DrillRefused(f"nothing to drill: no warehouse at {settings.warehouse_path} yet")


def _bad_commit(lake: Lake) -> tuple[int, str]:
    """Delete the latest month of the silver table in one commit; return the version before it and what went."""
    dt = DeltaTable(lake.uri(DRILL_SILVER_TABLE), storage_options=lake.storage_options)
    good = dt.version()
    latest: date = lake.scan(DRILL_SILVER_TABLE).select(pl.col("production_date").max()).collect().item()
    first = latest.replace(day=1)
    # The predicate is built from a date value, never from text.
    result = dt.delete(f"production_date >= '{first.isoformat()}'")
    return good, f"{DRILL_SILVER_TABLE}: a bad commit deleted {result.get('num_deleted_rows')} rows from {first}"


def _delete_raw_objects(lake: Lake) -> list[str]:
    """Delete the first raw objects of the manifest (a delete marker on a versioned bucket)."""
    import obstore

    from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE
    from da_platform.lakehouse.object_lake import ObjectStoreLake, _split

    assert isinstance(lake, ObjectStoreLake)
    paths = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)["raw_path"].unique().sort().to_list()[:RAW_OBJECTS_DELETED]
    for raw_path in paths:
        zone, key = _split(raw_path)
        obstore.delete(lake._store(zone), key)
    return paths


def _delete_latest_commit(lake: Lake, table: str) -> str:
    """Delete the newest Delta log object of ``table`` (a delete marker on a versioned bucket)."""
    import obstore

    from da_platform.lakehouse.object_lake import ObjectStoreLake, _split

    assert isinstance(lake, ObjectStoreLake)
    version = DeltaTable(lake.uri(table), storage_options=lake.storage_options).version()
    zone, key = _split(f"{table}/_delta_log/{version:020d}.json")
    obstore.delete(lake._store(zone), key)
    return f"{table}: its latest commit (version {version}) deleted from the store"


def _delete_local_commits(lake: Lake, table: str) -> str:
    """Delete the commit files of a local ``table`` from the one its last silver build made to the latest
    (usually just the latest; any commit after the build, e.g. a restore, goes with it), and every checkpoint
    that covers them. A log left with no commit is removed, so the table is gone, as on S3 at version 0."""
    from da_platform.lakehouse.build_state import read_versions

    log = Path(lake.uri(table)) / "_delta_log"
    latest = DeltaTable(lake.uri(table), storage_options=lake.storage_options).version()
    built = [v[table] for v in read_versions(lake).values() if table in v]
    if not built:
        # Built before builds recorded their versions: the lost commit would not read as pending.
        return f"{table}: commit not deleted, no silver build recorded its version yet (run `datalive run --full`)"
    first = min(max(built), latest)
    for version in range(first, latest + 1):
        (log / f"{version:020d}.json").unlink()
    for checkpoint in log.glob("*.checkpoint*.parquet"):
        if int(checkpoint.name.split(".", 1)[0]) >= first:
            checkpoint.unlink()
    last_checkpoint = log / "_last_checkpoint"
    if last_checkpoint.exists() and json.loads(last_checkpoint.read_text()).get("version", 0) >= first:
        last_checkpoint.unlink()
    if not any(log.glob("*.json")):
        shutil.rmtree(log)
    span = f"version {latest}" if first == latest else f"versions {first}..{latest}"
    return f"{table}: its latest commit file ({span}) deleted from _delta_log"


def drill(
    settings: Settings,
    lake: Lake,
    actor: str,
    s3_client: object | None = None,
    clock: Callable[[], float] = time.perf_counter,
    run_pending: Callable[[], list[str]] | None = None,
) -> DrillReport:
    """Run the drill on ``settings``' environment (refusing prod) and return its report.

    ``run_pending`` rebuilds the pending window as ``datalive run`` does and returns its ranges: on a local
    lake, where no object versions exist, it is how the deleted silver commit comes back (without it the
    drill deletes no commit there).
    """
    _refuse(settings, lake)
    # (the caller holds the environment's writer lock: `datalive dr drill` takes it, as every lake writer does)
    audit.verify(lake)
    report = DrillReport(settings.isolation_key, fingerprint(settings, lake))
    versioned = lake.uri(catalog.RAW_MANIFEST.path).startswith("s3://")
    audit.record(
        settings, lake, actor, "dr.drill.start", settings.isolation_key, "ok", {"fingerprints": len(report.before)}
    )

    # The disaster.
    embedded = settings.warehouse_backend == "duckdb"
    if embedded:
        for suffix in ("", ".wal"):
            settings.warehouse_path.with_name(settings.warehouse_path.name + suffix).unlink(missing_ok=True)
        report.destroyed.append(f"warehouse {settings.warehouse_path.name} dropped")
    else:
        report.destroyed.append(
            f"warehouse on Snowflake ({settings.snowflake_database}): not dropped by the drill, which rebuilds only "
            "the embedded DuckDB warehouse (rebuild Snowflake with `datalive run --full`)"
        )
    good_version, what = _bad_commit(lake)
    report.destroyed.append(what)
    if versioned:
        deleted = _delete_raw_objects(lake)
        report.destroyed.append(f"raw objects deleted: {', '.join(deleted)}")
        if lake.exists(COMMIT_DELETED_TABLE):
            report.destroyed.append(_delete_latest_commit(lake, COMMIT_DELETED_TABLE))
    else:
        if run_pending is not None and lake.exists(COMMIT_DELETED_TABLE):
            report.destroyed.append(_delete_local_commits(lake, COMMIT_DELETED_TABLE))
        report.destroyed.append("raw objects: a local folder keeps no object versions, so none were deleted")

    # The recovery.
    started = clock()
    restored = restore_table(lake, DRILL_SILVER_TABLE, version=good_version)
    audit.record(settings, lake, actor, "restore.table", DRILL_SILVER_TABLE, "ok", {"drill": True, **restored.__dict__})
    report.recovered.append(restored.describe())
    if versioned:
        if any(line.startswith(COMMIT_DELETED_TABLE) for line in report.destroyed):
            commits = recover_deleted_commits(lake, COMMIT_DELETED_TABLE, settings.region, s3_client)
            audit.record(
                settings,
                lake,
                actor,
                "restore.commits",
                COMMIT_DELETED_TABLE,
                "ok",
                {"drill": True, "commits": commits},
            )
            report.recovered.append(f"{COMMIT_DELETED_TABLE}: {', '.join(commits)} put back from object versions")
        raw = recover_raw(lake, settings.region, s3_client)
        audit.record(
            settings,
            lake,
            actor,
            "restore.raw",
            catalog.RAW_FILES.path,
            "ok",
            {"drill": True, "recovered": raw.recovered},
        )
        report.recovered.append(raw.describe())
    if not versioned and any(line.startswith(f"{COMMIT_DELETED_TABLE}: its latest") for line in report.destroyed):
        # Silver is derivable: the lost commit reads as pending (below the version its build recorded), and
        # the run of the pending window re-conforms it from bronze with the one implementation of the rules.
        assert run_pending is not None
        ranges = run_pending()
        audit.record(
            settings, lake, actor, "restore.pending", COMMIT_DELETED_TABLE, "ok", {"drill": True, "ranges": ranges}
        )
        report.recovered.append(
            f"{COMMIT_DELETED_TABLE}: re-conformed from bronze by the run of the pending window "
            f"({', '.join(ranges) or 'nothing was pending'})"
        )
    if embedded:
        rebuilt = rebuild_warehouse(settings, lake)
        audit.record(settings, lake, actor, "restore.warehouse", settings.warehouse_path.name, "ok", {"drill": True})
        report.recovered.append(rebuilt.describe())
    report.after = fingerprint(settings, lake)
    report.recovery_seconds = clock() - started

    audit.record(
        settings, lake, actor, "dr.drill", settings.isolation_key, "passed" if report.passed else "failed",
        {"recovery_seconds": round(report.recovery_seconds, 1), "mismatches": report.mismatches[:20]},
    )  # fmt: skip
    audit.verify(lake)
    return report
