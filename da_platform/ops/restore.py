"""Recovery: a lake table back to an earlier version, the warehouse rebuilt from silver, raw from object versions.

A table restore is Delta time travel written as a new commit (delta-rs ``restore``), so the history that
led to the bad state is kept and the restore itself can be undone. Every check runs before anything is
written: a version that vacuum removed, a timestamp before the table existed or a table that does not
exist raise :class:`RestoreRefused` and leave the table as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from deltalake import DeltaTable

from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import Lake
from da_platform.lakehouse.silver_engines import DESTINATIONS
from da_platform.lakehouse.silver_schema import WAREHOUSE_TABLES
from da_platform.ops.audit import AUDIT_TABLE

# Tables a restore must never rewind: the audit trail is append-only by contract.
_NOT_RESTORABLE = {AUDIT_TABLE}


class RestoreRefused(ValueError):
    """The restore cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class TableRestore:
    """What :func:`restore_table` did."""

    table: str
    from_version: int
    restored_version: int
    new_version: int

    def describe(self) -> str:
        """One line for the CLI and the audit trail."""
        return (
            f"{self.table}: version {self.from_version} → content of version {self.restored_version} "
            f"(written as version {self.new_version})"
        )


def _commits(table: DeltaTable) -> list[tuple[int, datetime]]:
    """(version, commit time) of every commit still in the log, oldest first."""
    commits = []
    for commit in table.history():
        stamp = datetime.fromtimestamp(int(commit["timestamp"]) / 1000, tz=UTC)
        commits.append((int(commit["version"]), stamp))
    return sorted(commits)


def resolve_version(lake: Lake, table: str, version: int | None = None, as_of: datetime | None = None) -> int:
    """The version a restore would bring back: ``version`` itself, or the last commit at or before ``as_of``.

    Raises :class:`RestoreRefused` for an unknown table, a version outside its history, a timestamp
    before its first commit, or both / neither of ``version`` and ``as_of``.
    """
    if (version is None) == (as_of is None):
        raise RestoreRefused("give exactly one of --version N or --as-of TIMESTAMP")
    if table in _NOT_RESTORABLE:
        raise RestoreRefused(f"{table} is the append-only audit trail; it is never restored to an older version")
    if not lake.exists(table):
        raise RestoreRefused(f"{table} is not a Delta table in this environment's lake ({lake.uri(table)})")
    dt = DeltaTable(lake.uri(table), storage_options=lake.storage_options)
    commits = _commits(dt)
    known = {v for v, _ in commits}
    if as_of is not None:
        if as_of.tzinfo is None:
            raise RestoreRefused(f"--as-of {as_of.isoformat()} has no time zone (write it like 2026-12-01T08:00Z)")
        first_version, first_time = commits[0]
        if as_of < first_time:
            raise RestoreRefused(
                f"{table} did not exist at {as_of.isoformat()}: its first commit still in the log "
                f"(version {first_version}) is from {first_time.isoformat()}"
            )
        version = max(v for v, stamp in commits if stamp <= as_of)
    assert version is not None
    if version not in known:
        raise RestoreRefused(f"{table} has no version {version} in its log (versions {min(known)}..{max(known)})")
    return version


def restore_table(lake: Lake, table: str, version: int | None = None, as_of: datetime | None = None) -> TableRestore:
    """Bring ``table`` back to the content of ``version`` (or of ``as_of``) as a new commit.

    Refused, with the table unchanged, when the target is the current version, or when vacuum has removed
    a data file the target version needs (it would restore a table with holes).
    """
    target = resolve_version(lake, table, version, as_of)
    dt = DeltaTable(lake.uri(table), storage_options=lake.storage_options)
    current = dt.version()
    if target == current:
        raise RestoreRefused(f"{table} is already at version {current}; nothing to restore")
    try:
        dt.restore(target)
    except Exception as exc:  # delta-rs raises a generic DeltaError before it commits anything
        if "missing file" in str(exc).lower():
            raise RestoreRefused(
                f"{table} version {target} cannot be restored: vacuum has removed data files it needs "
                "(it is older than the environment's vacuum horizon)"
            ) from None
        raise
    return TableRestore(
        table, current, target, DeltaTable(lake.uri(table), storage_options=lake.storage_options).version()
    )


@dataclass(frozen=True)
class WarehouseRebuild:
    """What :func:`rebuild_warehouse` copied and built."""

    silver_rows: dict[str, int]
    dbt_target_path: Path
    window: str = ""

    def describe(self) -> str:
        """One line for the CLI and the audit trail."""
        rows = ", ".join(f"{t} {n}" for t, n in self.silver_rows.items())
        return f"silver published from the lake ({rows} rows); gold rebuilt by dbt build for {self.window}"


def rebuild_warehouse(settings: Settings, lake: Lake) -> WarehouseRebuild:
    """Rebuild the DuckDB warehouse from the lake's silver tables: publish each one whole as
    ``defs.lakehouse.silver`` does (views over the well-day tables' current files on a local lake, copies
    otherwise), then build every gold model with dbt over the window silver covers.

    Only the embedded DuckDB warehouse: on Snowflake (qa, prod) rebuild with ``datalive run --full``.
    """
    if settings.warehouse_backend != "duckdb":
        raise RestoreRefused(
            f"{settings.isolation_key}'s warehouse is Snowflake: rebuild it with `datalive run --full` "
            "(the DuckDB rebuild only knows the embedded warehouse)"
        )
    from da_platform.lakehouse.warehouse import Warehouse

    warehouse = Warehouse(settings.warehouse_path, settings.isolation_key, settings.duckdb_settings)
    missing = [t for t in WAREHOUSE_TABLES if not lake.exists(f"silver/{t}")]
    if missing:
        raise RestoreRefused(f"the lake has no silver {', '.join(missing)}: run `datalive run` first")
    counts = {}
    # What the silver asset publishes: views over the well-day tables' files where the warehouse reads
    # the lake in place, copies of the rest.
    views = tuple(DESTINATIONS) if warehouse.reads_lake_files(lake) else ()
    for table, schema in WAREHOUSE_TABLES.items():
        if table in views:
            counts[table] = lake.scan(f"silver/{table}").select(pl.len()).collect().item()
            continue
        frame = lake.read(f"silver/{table}", schema)
        warehouse.replace_all(table, frame.select(list(schema)))
        counts[table] = frame.height
    if views:
        warehouse.publish_lake_views(views, lambda table: lake.data_files(f"silver/{table}"))
    start, end = _silver_window(settings, lake)
    target_path = _run_dbt_build(settings, start, end)
    return WarehouseRebuild(counts, target_path, f"{start}..{end}")


def republish_silver_views(settings: Settings, lake: Lake) -> dict[str, int]:
    """Point an existing DuckDB warehouse's silver views at the lake's current snapshot; returns the files
    each view reads, or nothing where silver is a copy (Snowflake, an object-store lake, no warehouse yet).

    For what changes the lake outside a silver run: a vacuum deletes only files that no current version
    holds, so a view published on the current version never names a file a vacuum may delete.
    """
    if settings.warehouse_backend != "duckdb" or not settings.warehouse_path.exists():
        return {}
    from da_platform.lakehouse.warehouse import Warehouse

    warehouse = Warehouse(settings.warehouse_path, settings.isolation_key, settings.duckdb_settings)
    if not warehouse.reads_lake_files(lake):
        return {}
    return warehouse.publish_lake_views(DESTINATIONS, lambda table: lake.data_files(f"silver/{table}"))


def _silver_window(settings: Settings, lake: Lake) -> tuple[date, date]:
    """The partition window silver covers (its first to last well-day, widened to whole months on the
    monthly grain): the window the runs that built gold covered, so gold comes back exactly as it was
    (a build over all dates would add every month of the reported monthly sheet)."""
    days = [
        lake.scan(f"silver/{table}")
        .select(pl.col("production_date").min().alias("a"), pl.col("production_date").max().alias("b"))
        .collect()
        for table in DESTINATIONS
        if lake.exists(f"silver/{table}")
    ]
    firsts = [d["a"][0] for d in days if d["a"][0] is not None]
    lasts = [d["b"][0] for d in days if d["b"][0] is not None]
    if not firsts:
        raise RestoreRefused("silver holds no well-days: nothing to rebuild gold from")
    start, end = min(firsts), max(lasts)
    if settings.partition_grain == "monthly":
        start = start.replace(day=1)
        end = (end.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def _run_dbt_build(settings: Settings, start: date, end: date) -> Path:
    """``dbt build`` of every model for the window ``start``..``end`` into the environment's warehouse (as
    the gold assets pass a window); raises when it fails.

    In a subprocess, as the gold assets run it: dbt-duckdb keeps its connection open in the calling
    process, which would then block every later read of the rebuilt file.
    """
    import json
    import subprocess
    import sys

    from da_platform.defs.gold.assets import DBT_PROJECT_DIR
    from da_platform.env import dbt_variables

    target_path = settings.env_root / "dbt" / "restore"
    target_path.mkdir(parents=True, exist_ok=True)
    beside = Path(sys.executable).parent / "dbt"
    command = [str(beside) if beside.exists() else "dbt", "build", "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR), "--target", settings.dbt_target, "--quiet"]  # fmt: skip
    variables = {
        "DATALIVE_DUCKDB_PATH": str(settings.warehouse_path),
        # (the machine's memory and thread limits, as every run's dbt gets them: a rebuild is a whole build)
        "DATALIVE_DUCKDB_SETTINGS": json.dumps(settings.duckdb_settings),
        "DBT_TARGET_PATH": str(target_path),
        "DATALIVE_WINDOW_START_DATE": start.isoformat(),
        "DATALIVE_WINDOW_END_DATE": end.isoformat(),
    }
    with dbt_variables(variables):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-1500:]
        raise RuntimeError(f"dbt build failed while rebuilding gold (artefacts under {target_path}): {tail}")
    return target_path


@dataclass(frozen=True)
class RawRecovery:
    """What :func:`recover_raw` found and put back."""

    checked: int
    recovered: list[str]

    def describe(self) -> str:
        """One line for the CLI and the audit trail."""
        return f"{self.checked} raw files checked against the manifest, {len(self.recovered)} recovered"


def _s3_location(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def recover_raw(lake: Lake, region: str, s3_client: object | None = None) -> RawRecovery:
    """Put back every raw file that is missing or whose bytes no longer match the raw manifest's sha256, from
    the newest earlier object version that does match (a versioned S3 bucket keeps deleted and overwritten
    objects). Raises :class:`RestoreRefused` naming the files no version can restore; a lake without object
    versions (a local folder) can only be checked.
    """
    from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE, verify

    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA).unique("raw_path", keep="first")
    damaged = sorted({problem.split(": ", 1)[0] for problem in verify(lake)})
    if not damaged:
        return RawRecovery(manifest.height, [])
    if not lake.uri(MANIFEST_TABLE).startswith("s3://"):
        raise RestoreRefused(
            f"{len(damaged)} raw files are missing or changed ({', '.join(damaged[:3])}…) and this lake keeps no "
            "object versions (only a versioned S3 lake does): restore them from the operator's landing copies"
        )
    if s3_client is None:
        import boto3  # credentials and endpoint from the standard AWS chain, never read here

        s3_client = boto3.client("s3", region_name=region)
    expected = dict(manifest.select("raw_path", "sha256").iter_rows())
    recovered, lost = [], []
    for raw_path in damaged:
        bucket, key = _s3_location(lake.uri(raw_path))
        data = _matching_version(s3_client, bucket, key, expected[raw_path])
        if data is None:
            lost.append(raw_path)
            continue
        lake.put_back(raw_path, data)
        recovered.append(raw_path)
    if lost:
        raise RestoreRefused(
            f"no object version matches the manifest's sha256 for {', '.join(lost)}; recovered {len(recovered)}"
        )
    return RawRecovery(manifest.height, recovered)


def recover_deleted_commits(lake: Lake, table: str, region: str, s3_client: object | None = None) -> list[str]:
    """Put back the Delta log objects of ``table`` that were deleted from a versioned S3 bucket (their newest
    version is a delete marker), each from its last real version, and return their names.

    Each object is written only if its name is still free, so a commit a writer made since is never replaced.
    """
    uri = lake.uri(table)
    if not uri.startswith("s3://"):
        raise RestoreRefused(f"{table}: a deleted commit can only be recovered from a versioned S3 lake")
    if s3_client is None:
        import boto3  # credentials and endpoint from the standard AWS chain, never read here

        s3_client = boto3.client("s3", region_name=region)
    bucket, prefix = _s3_location(f"{uri}/_delta_log/")
    deleted, versions = set(), {}
    for page in s3_client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        deleted.update(m["Key"] for m in page.get("DeleteMarkers", []) if m["IsLatest"])
        for v in page.get("Versions", []):
            if v["Key"] not in versions or v["LastModified"] > versions[v["Key"]]["LastModified"]:
                versions[v["Key"]] = v
    recovered = []
    for key in sorted(deleted & set(versions)):
        body = s3_client.get_object(Bucket=bucket, Key=key, VersionId=versions[key]["VersionId"])["Body"].read()
        name = key.rsplit("/", 1)[1]
        lake.write_bytes_once(f"{table}/_delta_log/{name}", body)
        recovered.append(name)
    return recovered


def _matching_version(client, bucket: str, key: str, sha256: str) -> bytes | None:
    """The bytes of the newest version of ``key`` whose sha256 is ``sha256``, or None."""
    versions = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        versions.extend(v for v in page.get("Versions", []) if v["Key"] == key)
    for version in sorted(versions, key=lambda v: v["LastModified"], reverse=True):
        body = client.get_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])["Body"].read()
        if hashlib.sha256(body).hexdigest() == sha256:
            return body
    return None


def table_summary(lake: Lake, table: str) -> pl.DataFrame:
    """The table's commits (version, time, operation), newest first, to choose a restore target."""
    dt = DeltaTable(lake.uri(table), storage_options=lake.storage_options)
    rows = [
        {
            "version": int(c["version"]),
            "time": datetime.fromtimestamp(int(c["timestamp"]) / 1000, tz=UTC),
            "operation": str(c.get("operation")),
        }
        for c in dt.history()
    ]
    return pl.DataFrame(rows).sort("version", descending=True)
