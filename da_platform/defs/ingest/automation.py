"""The ingest job and the landing sensor that starts it: the Dagster wiring of ``triggers.landing``."""

import json
from pathlib import Path

import dagster as dg

from da_platform import catalog, triggers
from da_platform.defs.policy import LAKE_WRITER_TAG
from da_platform.defs.resources import PlatformResource

INGEST_SELECTION = dg.AssetSelection.groups("raw", "bronze") | dg.AssetSelection.assets(
    list(catalog.SILVER_REGISTER.key), list(catalog.SILVER_MONTHLY.key)
)
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=INGEST_SELECTION,
    tags=LAKE_WRITER_TAG,
    description="Land new files and parse them into bronze; refresh register and monthly totals.",
)


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_sensor(context: dg.SensorEvaluationContext, platform: PlatformResource) -> dg.SensorResult:
    """One ingest run per batch of new or changed landed files; the run key is built from path + sha256."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    requests, new_cursor = triggers.landing(Path(platform.landing_dir), cursor)
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(new_cursor, sort_keys=True))
