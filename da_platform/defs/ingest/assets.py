"""Raw and bronze assets: land files byte for byte, then parse them into typed Delta tables."""

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import polars as pl

from da_platform import catalog
from da_platform.defs.metadata import markdown_table
from da_platform.defs.policy import RETRY, asset_key, deterministic
from da_platform.defs.resources import LakeResource, PlatformResource, severity
from da_platform.faults import crash_here
from da_platform.ingest import raw_zone
from da_platform.ingest.bronze import bronze_rows
from da_platform.ingest.layouts import DAILY, MONTHLY, REGISTER, Layout
from da_platform.ingest.parsing import FileRejected
from da_platform.lakehouse.cleaning import admission_rejects, file_rejection
from da_platform.lakehouse.delta_lake import OutsideEnvironmentError
from da_platform.lakehouse.write_behind import WriteBehind

BRONZE_DAILY = catalog.BRONZE_DAILY.path
BRONZE_REJECTIONS = catalog.BRONZE_REJECTIONS.path
BRONZE_MONTHLY = catalog.BRONZE_MONTHLY.path
BRONZE_REGISTER = catalog.BRONZE_REGISTER.path
RAW_LANDED_FILES = asset_key(catalog.RAW_LANDED_FILES)
DAILY_KEY, REJECTIONS_KEY = asset_key(catalog.BRONZE_DAILY), asset_key(catalog.BRONZE_REJECTIONS)
MONTHLY_KEY, REGISTER_KEY = asset_key(catalog.BRONZE_MONTHLY), asset_key(catalog.BRONZE_REGISTER)

NO_MONTHLY = "no reported monthly totals landed (optional, under landing/monthly/): gold is not reconciled"
NO_REGISTER = "no well register landed: put it under landing/reference/ (required: it places every daily row on a well)"


class LandingConfig(dg.Config):
    """Which landing folder to scan (empty: the environment's own), and whether to re-hash every file."""

    landing_dir: str = ""
    # True (`datalive run --full`): trust no size and modification time from the last run, read every byte.
    rehash: bool = False


@dg.asset(
    key=RAW_LANDED_FILES,
    group_name="raw",
    description="Every landed file copied byte for byte into the raw zone, with a sha256 manifest.",
    check_specs=[
        dg.AssetCheckSpec(
            "raw_copies_match_manifest",
            asset=RAW_LANDED_FILES,
            blocking=True,
            description="Every manifest entry has its raw copy, of its size; the copies this run wrote are read "
            "back and match their sha256.",
        ),
        dg.AssetCheckSpec(
            "no_unlandable_landing_entries",
            asset=RAW_LANDED_FILES,
            description="Nothing in the landing folder was refused: no link (links are never followed), no special "
            "file, no file that kept changing while it was landed.",
        ),
    ],
    retry_policy=RETRY,
    kinds={"delta", "files"},
)
def landed_files(
    context: dg.AssetExecutionContext, config: LandingConfig, lake: LakeResource, platform: PlatformResource
):
    """Land new files; the same bytes twice is a no-op, a changed file is a new version."""
    landing = Path(config.landing_dir or platform.landing_dir)
    try:
        store = lake.lake()
    except OutsideEnvironmentError as exc:  # a lake that is not this environment's own stays refused
        raise deterministic(str(exc)) from exc
    try:
        scan = raw_zone.scan_landing(landing, raw_zone.read_stat_cache(store), rehash=config.rehash)
    except FileNotFoundError as exc:  # no landing folder: a retry finds none either
        raise deterministic(str(exc)) from exc
    for skipped in scan.skipped:  # the reason only: nothing of a skipped entry is read or shown
        context.log.warning(f"skipped {skipped.path}: {skipped.reason}")
    for path in scan.stale:
        context.log.warning(f"{path} changed without a change of size or modification time; landing its new bytes")
    outcome = raw_zone.land_files(store, scan.files)
    for unstable in outcome.unstable:
        context.log.warning(f"not landed {unstable.path}: {unstable.reason}; the next run lands it")
    # Files left out are not cached: the next run hashes them again.
    raw_zone.write_stat_cache(store, outcome.files)
    added = outcome.added
    problems = raw_zone.verify(store, rehash=set(added["raw_path"].to_list()))
    context.log.info(f"landed {added.height} new file(s) of {len(scan.files)} found in {landing}")
    crash_here("after_raw", platform.crash_at)
    yield dg.MaterializeResult(
        metadata={
            "files_found": len(scan.files),
            "files_added": added.height,
            # Downstream decides from this what to rebuild: a new register or monthly sheet touches every day.
            "kinds_added": dg.MetadataValue.json(sorted(set(added["kind"].to_list()))),
            "files_ignored": len(scan.skipped),
            "skipped": dg.MetadataValue.json([f"{s.path}: {s.reason}" for s in scan.skipped]),
            "files_rehashed": scan.rehashed,
            "files_changed_behind_their_stat": len(scan.stale),
            "files_not_landed": dg.MetadataValue.json([f"{s.path}: {s.reason}" for s in outcome.unstable]),
            "bytes_added": int(added["size_bytes"].sum() or 0),
            "added": dg.MetadataValue.md(markdown_table(added.select("kind", "file_name", "version", "sha256"))),
        }
    )
    yield dg.AssetCheckResult(
        check_name="raw_copies_match_manifest",
        passed=not problems,
        metadata={"problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")},
    )
    # Files outside the kind folders and hidden files are the convention's to ignore; these were refused.
    refused = [s for s in scan.skipped if not s.by_convention] + outcome.unstable
    yield dg.AssetCheckResult(
        check_name="no_unlandable_landing_entries",
        passed=not refused,
        severity=severity(platform),
        metadata={"refused": dg.MetadataValue.md("\n".join(f"- {s.path}: {s.reason}" for s in refused) or "none")},
    )


def _pending(store, kind: str, parsed: set[tuple[str, int]], rejected_shas: set[str]) -> list[dict]:
    """Manifest entries (file name, version) bronze has not parsed yet, oldest first."""
    manifest = store.read(raw_zone.MANIFEST_TABLE, raw_zone.MANIFEST_SCHEMA)
    rows = manifest.filter(pl.col("kind") == kind).sort("arrived_at", "version").to_dicts()
    return [r for r in rows if (r["file_name"], r["version"]) not in parsed and r["sha256"] not in rejected_shas]


def _rejected_file_shas(store) -> set[str]:
    """Files rejected whole (rules FILE_*): the same bytes would be rejected again."""
    if not store.exists(BRONZE_REJECTIONS):
        return set()
    rejected = store.scan(BRONZE_REJECTIONS).filter(pl.col("rule_id").str.starts_with("FILE_"))
    return set(rejected.select("source_sha256").unique().collect()["source_sha256"].to_list())


def _distinct(store, table: str, columns: list[str]) -> set[tuple]:
    if not store.exists(table):
        return set()
    return set(store.scan(table).select(columns).unique().collect().iter_rows())


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            DAILY_KEY,
            group_name="bronze",
            deps=[RAW_LANDED_FILES],
            description="Daily production reports, typed, one row per source row, with lineage.",
            kinds={"delta", "polars"},
        ),
        dg.AssetSpec(
            REJECTIONS_KEY,
            group_name="bronze",
            deps=[RAW_LANDED_FILES],
            description="Files that could not be parsed and rows that cannot be placed on a day "
            "(no date, before the first partition, in the future), with rule and reason.",
            kinds={"delta", "polars"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "no_schema_drift",
            asset=DAILY_KEY,
            description="Files brought no columns beyond the daily report layout.",
        ),
        dg.AssetCheckSpec(
            "no_rejected_files",
            asset=REJECTIONS_KEY,
            description="Every daily file of this run could be parsed.",
        ),
    ],
    retry_policy=RETRY,
)
def bronze_daily(context: dg.AssetExecutionContext, lake: LakeResource, platform: PlatformResource):
    """Parse every daily report in raw that bronze has not seen yet (incremental by file)."""
    store = lake.lake()
    parsed = _distinct(store, BRONZE_DAILY, ["source_file", "source_version"])
    rejected_shas = _rejected_file_shas(store)
    first_day = date.fromisoformat(platform.partitions_start)
    as_of = datetime.now(UTC).date()
    drift: dict[str, list[str]] = {}
    rejected_files: list[str] = []
    rows_added, dates = 0, []
    batch: list[tuple[pl.DataFrame, pl.DataFrame]] = []  # parsed files not yet written: (rows, rejections)
    # Each batch is written while the next files are parsed (write_behind says why); the writes keep their
    # order, and the step ends only when the last one has.
    with WriteBehind() as writes:
        for entry in _pending(store, "daily", parsed, rejected_shas):
            data = store.read_bytes(entry["raw_path"])
            try:
                frame, extra = bronze_rows(
                    data, DAILY, entry["file_name"], entry["sha256"], entry["version"], entry["arrived_at"]
                )
            except FileRejected as exc:
                context.log.error(str(exc))
                rejected_files.append(str(exc))
                writes.submit(
                    store.append,
                    BRONZE_REJECTIONS,
                    file_rejection(exc.file, entry["sha256"], exc.rule, exc.detail, exc.row),
                )
                continue
            if extra:
                drift[entry["file_name"]] = extra
                context.log.warning(f"{entry['file_name']}: unknown columns kept in extra_columns: {', '.join(extra)}")
            dated, rejected = admission_rejects(frame, first_day, as_of)
            rejected_keys = rejected.select("source_row")
            frame = frame.with_columns(admitted=~pl.col("source_row").is_in(rejected_keys["source_row"].implode()))
            for row in rejected.head(20).iter_rows(named=True):
                where = f"{row['source_file']}, row {row['source_row']}"
                context.log.warning(f"{where}: [{row['rule_id']}] {row['reason']}")
            batch.append((frame, rejected))
            if sum(f.height for f, _ in batch) >= BATCH_ROWS:
                writes.submit(_append_parsed, store, batch)
                batch = []
            rows_added += frame.height
            if dated.height:
                dates += [dated["production_date"].min(), dated["production_date"].max()]
        writes.submit(_append_parsed, store, batch)
    crash_here("after_bronze", platform.crash_at)
    yield dg.MaterializeResult(
        asset_key=DAILY_KEY,
        metadata={
            "rows_added": rows_added,
            "first_date": dg.MetadataValue.text(min(dates).isoformat() if dates else ""),
            "last_date": dg.MetadataValue.text(max(dates).isoformat() if dates else ""),
            "unknown_columns": dg.MetadataValue.json(drift),
        },
    )
    yield dg.MaterializeResult(asset_key=REJECTIONS_KEY, metadata={"files_rejected": len(rejected_files)})
    yield dg.AssetCheckResult(
        asset_key=DAILY_KEY,
        check_name="no_schema_drift",
        passed=not drift,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"unknown_columns": dg.MetadataValue.json(drift)},
    )
    yield dg.AssetCheckResult(
        asset_key=REJECTIONS_KEY,
        check_name="no_rejected_files",
        passed=not rejected_files,
        severity=severity(platform),
        metadata={"rejected": dg.MetadataValue.md("\n".join(f"- {r}" for r in rejected_files) or "none")},
    )


# Parsed daily files are written to bronze together up to this many rows, not one Delta commit per file
# and table: each commit costs more than parsing a file does.
BATCH_ROWS = 250_000


def _append_parsed(store, batch: list[tuple[pl.DataFrame, pl.DataFrame]]) -> None:
    """Append parsed daily files to bronze, one commit per table. Rejections first: if the run dies
    between the two writes these files are parsed again, and bronze never holds rows whose rejections
    are missing."""
    if not batch:
        return
    rejected = pl.concat([rejected for _, rejected in batch], how="diagonal_relaxed")
    store.append(BRONZE_REJECTIONS, _new_rejections(store, rejected))
    store.append(BRONZE_DAILY, pl.concat([frame for frame, _ in batch], how="diagonal_relaxed"))


def _new_rejections(store, rejected: pl.DataFrame) -> pl.DataFrame:
    """The row rejections bronze does not hold yet: a run that died between the two appends above left
    those of its files in place, and the next run parses the files again (crash recovery, issue 25)."""
    if rejected.height == 0 or not store.exists(BRONZE_REJECTIONS):
        return rejected
    keys = ["source_sha256", "source_row"]
    shas = rejected["source_sha256"].unique().implode()
    held = store.scan(BRONZE_REJECTIONS).filter(pl.col("source_sha256").is_in(shas)).select(keys).unique().collect()
    return rejected.join(held, on=keys, how="anti")


def _latest_entries(store, kind: str) -> pl.DataFrame:
    """The manifest rows of the newest landed version of each file of a kind."""
    manifest = store.read(raw_zone.MANIFEST_TABLE, raw_zone.MANIFEST_SCHEMA).filter(pl.col("kind") == kind)
    return manifest.sort("arrived_at", "version").unique("file_name", keep="last").sort("file_name")


def _already_parsed(store, table: str, latest: pl.DataFrame) -> bool:
    """Whether bronze ``table`` holds exactly the newest versions of its files, so there is nothing to parse:
    a reference sheet covering years would otherwise be parsed again on every daily run."""
    if latest.height == 0 or not store.exists(table):
        return False
    held = store.scan(table).select("source_sha256", "source_version").unique().collect()
    return set(held.iter_rows()) == set(latest.select("sha256", "version").iter_rows())


def _latest_parsed(context: dg.AssetExecutionContext, store, latest: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Parse the newest landed version of each reference file of a kind; a bad file fails the run."""
    frames = []
    for entry in latest.to_dicts():
        data = store.read_bytes(entry["raw_path"])
        try:
            frame, extra = bronze_rows(
                data, layout, entry["file_name"], entry["sha256"], entry["version"], entry["arrived_at"]
            )
        except FileRejected as exc:
            raise deterministic(str(exc)) from exc
        if extra:
            context.log.warning(f"{entry['file_name']}: unknown columns kept in extra_columns: {', '.join(extra)}")
        frames.append(frame)
    if not frames:
        raise deterministic(f"no {layout.kind} file has been landed (expected under landing/{layout.kind}/)")
    return pl.concat(frames, how="diagonal_relaxed")


def _refresh_reference(context: dg.AssetExecutionContext, store, table: str, layout: Layout) -> pl.DataFrame | None:
    """Re-parse a reference kind into bronze when a newer version of one of its files has landed; None when
    bronze already holds the newest versions."""
    latest = _latest_entries(store, layout.kind)
    if _already_parsed(store, table, latest):
        context.log.info(f"bronze {table}: the newest {layout.kind} files are already parsed")
        return None
    frame = _latest_parsed(context, store, latest, layout)
    store.overwrite(table, frame)
    return frame


@dg.asset(
    key=MONTHLY_KEY,
    group_name="bronze",
    deps=[RAW_LANDED_FILES],
    description="The operator's reported monthly totals per well (latest version of each file).",
    kinds={"delta", "polars"},
    retry_policy=RETRY,
)
def bronze_monthly(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Parse the reported monthly sheet(s). The sheet is optional: it only serves reconciliation, so an
    operator with daily reports only still gets gold (the reconciliation check then warns)."""
    store = lake.lake()
    if _latest_entries(store, MONTHLY.kind).height == 0:
        context.log.warning(NO_MONTHLY)
        return dg.MaterializeResult(metadata={"status": NO_MONTHLY})
    frame = _refresh_reference(context, store, BRONZE_MONTHLY, MONTHLY)
    if frame is None:
        return dg.MaterializeResult(metadata={"unchanged": True})
    return dg.MaterializeResult(
        metadata={"rows": frame.height, "rows_with_errors": int(frame["parse_errors"].is_not_null().sum())}
    )


@dg.asset(
    key=REGISTER_KEY,
    group_name="bronze",
    deps=[RAW_LANDED_FILES],
    description="The well register as landed (master data maintained by the operator).",
    kinds={"delta", "polars"},
    retry_policy=RETRY,
)
def bronze_register(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Parse the latest well register file (required: every daily row is placed on a well through it)."""
    store = lake.lake()
    if _latest_entries(store, REGISTER.kind).height == 0:
        raise deterministic(NO_REGISTER)
    frame = _refresh_reference(context, store, BRONZE_REGISTER, REGISTER)
    if frame is None:
        return dg.MaterializeResult(metadata={"unchanged": True})
    return dg.MaterializeResult(metadata={"rows": frame.height})
