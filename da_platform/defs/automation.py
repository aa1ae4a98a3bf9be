"""Jobs, the landing sensor, the bronze → silver sensor and the daily schedule."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from da_platform.defs.partitions import days_to_rebuild, partition_key_for
from da_platform.defs.resources import LakeResource, PlatformResource
from da_platform.ingest import raw_zone
from da_platform.ingest.bronze import admitted_day_range

LAKE_WRITER_TAG = {"datalive/lake-writer": "true"}  # the instance's run queue admits one at a time
INGEST_SELECTION = dg.AssetSelection.groups("raw", "bronze") | dg.AssetSelection.assets(
    ["silver", "well_register"], ["silver", "reported_monthly"]
)
# Freshness checks run in their own runs (the freshness sensor): a run that just rebuilt history is not
# evidence that today's day arrived, and every daily run would pay for one more step.
FRESHNESS_CHECKS = dg.AssetSelection.checks(
    dg.AssetCheckKey(dg.AssetKey(["silver", "well_day_production"]), "freshness_check"),
    dg.AssetCheckKey(dg.AssetKey(["gold", "fct_well_daily_production"]), "freshness_check"),
)
DAILY_SELECTION = (
    dg.AssetSelection.assets(
        ["silver", "well_day_production"], ["silver", "well_day_injection"], ["silver", "quarantine"]
    )
    | dg.AssetSelection.groups("gold")
) - FRESHNESS_CHECKS
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=INGEST_SELECTION,
    tags=LAKE_WRITER_TAG,
    description="Land new files and parse them into bronze; refresh register and monthly totals.",
)
daily_job = dg.define_asset_job(
    "daily_job",
    selection=DAILY_SELECTION,
    tags=LAKE_WRITER_TAG,
    description="Conform a range of days into silver and rebuild gold for it.",
)


def changed_files(landing: Path, cursor: dict[str, list]) -> tuple[list[tuple[str, str]], dict[str, list]]:
    """Files that are new or changed since the cursor: (relative path, sha256), plus the new cursor.

    The cursor keeps size, mtime and sha256 per path so unchanged files are not hashed again, and it
    survives restarts because Dagster stores it with the sensor.
    """
    changed: list[tuple[str, str]] = []
    new_cursor: dict[str, list] = {}
    if not landing.is_dir():
        return changed, cursor
    # Links are never followed (the raw asset skips them too): a link's target is not the landing's to hash.
    files = (p for p in landing.rglob("*") if p.is_file() and not p.is_symlink() and not p.name.startswith("."))
    for path in sorted(files):
        rel = path.relative_to(landing).as_posix()
        if rel.split("/", 1)[0] not in raw_zone.LANDING_KINDS:
            continue
        stat = path.stat()
        previous = cursor.get(rel)
        if previous and previous[0] == stat.st_size and previous[1] == stat.st_mtime_ns:
            new_cursor[rel] = previous
            continue
        sha = raw_zone.sha256_of(path)
        new_cursor[rel] = [stat.st_size, stat.st_mtime_ns, sha]
        if not previous or previous[2] != sha:
            changed.append((rel, sha))
    return changed, new_cursor


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_sensor(context: dg.SensorEvaluationContext, platform: PlatformResource) -> dg.SensorResult:
    """One ingest run per batch of new or changed landed files; the run key is built from path + sha256."""
    landing = Path(platform.landing_dir)
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed, new_cursor = changed_files(landing, cursor)
    requests = []
    if changed:
        run_key = hashlib.sha256("\n".join(f"{p}:{s}" for p, s in changed).encode()).hexdigest()
        requests.append(dg.RunRequest(run_key=run_key, tags={"datalive/files": str(len(changed))}))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(new_cursor, sort_keys=True))


def days_run_request(
    metadata: dict, storage_id: int, grain: str, data_last: str | None = None
) -> dg.RunRequest | dg.SkipReason:
    """The one run that conforms the partitions holding the days a bronze materialization reported,
    and the days after them whose gold looks back into them."""
    first, last = metadata.get("first_date"), metadata.get("last_date")
    first_day, last_day = (getattr(v, "value", v) for v in (first, last))
    if not first_day or not last_day:
        return dg.SkipReason("bronze took no dated rows")
    start, end = days_to_rebuild(
        date.fromisoformat(str(first_day)),
        date.fromisoformat(str(last_day)),
        date.fromisoformat(data_last) if data_last else None,
    )
    return dg.RunRequest(
        run_key=f"days:{storage_id}",
        tags={RANGE_START: partition_key_for(grain, start), RANGE_END: partition_key_for(grain, end)},
    )


def build_new_days_sensor(grain: str) -> dg.SensorDefinition:
    """After bronze takes new rows, conform and rebuild exactly the partitions they touched, in one run."""

    @dg.asset_sensor(
        asset_key=dg.AssetKey(["bronze", "daily_reports"]), job=daily_job, default_status=dg.DefaultSensorStatus.STOPPED
    )
    def new_days_sensor(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry, lake: LakeResource):
        materialization = asset_event.asset_materialization
        metadata = dict(materialization.metadata) if materialization else {}
        _, data_last = admitted_day_range(lake.lake())
        yield days_run_request(metadata, asset_event.storage_id, grain, data_last)

    return new_days_sensor


def build_reference_sensor(grain: str) -> dg.SensorDefinition:
    """A new well register or monthly sheet changes how every day conforms or reconciles: rebuild them all."""

    @dg.asset_sensor(
        asset_key=dg.AssetKey(["raw", "landed_files"]), job=daily_job, default_status=dg.DefaultSensorStatus.STOPPED
    )
    def reference_changed_sensor(
        context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry, lake: LakeResource
    ):
        materialization = asset_event.asset_materialization
        kinds = set(materialization.metadata["kinds_added"].value) if materialization else set()
        if not kinds & {"monthly", "reference"}:
            yield dg.SkipReason(f"no register or monthly sheet landed (kinds: {sorted(kinds)})")
            return
        first, last = admitted_day_range(lake.lake())
        yield days_run_request({"first_date": first, "last_date": last}, asset_event.storage_id, grain)

    return reference_changed_sensor


def build_daily_refresh(grain: str) -> dg.ScheduleDefinition:
    """Every morning, rebuild the partition holding yesterday so late corrections reach gold."""

    @dg.schedule(
        cron_schedule="0 6 * * *",
        job=daily_job,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        tick = context.scheduled_execution_time or datetime.now(UTC)
        yesterday: date = tick.date() - timedelta(days=1)
        return dg.RunRequest(partition_key=partition_key_for(grain, yesterday))

    return daily_refresh
