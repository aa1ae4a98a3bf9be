"""What the lakehouse holds right now: row counts per layer, quarantine by rule, latest check results."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import polars as pl

from da_platform import catalog
from da_platform.env import Settings, SettingsError
from da_platform.ingest import raw_zone
from da_platform.lakehouse.delta_lake import Lake, open_lake
from da_platform.lakehouse.warehouse import open_warehouse

GOLD_TABLES = (
    "fct_well_daily_production",
    "fct_field_daily_production",
    "fct_facility_daily_production",
    "fct_well_daily_injection",
    "fct_well_monthly_production",
    "fct_field_monthly_production",
    "dim_well",
)


def _rows(lake: Lake, table: str) -> int:
    return lake.scan(table).select(pl.len()).collect().item() if lake.exists(table) else 0


FILE_RULE_PREFIX = "FILE_"  # rules of files rejected whole (FILE_EMPTY, FILE_ENCODING, ...): no row reached bronze
QUARANTINE_COLUMNS = {"rule_id": pl.String(), "disposition": pl.String(), "source_file": pl.String()}


def _quarantine(lake: Lake) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(quarantined rows, rejected files): ingestion and silver rejections, split by whether a whole file
    was refused (its rows never reached bronze, so they are not rows of the accounting) or a row was."""
    frame = pl.concat(
        [
            lake.scan(t).select(list(QUARANTINE_COLUMNS)).collect()
            for t in (catalog.BRONZE_REJECTIONS.path, catalog.SILVER_QUARANTINE.path)
            if lake.exists(t)
        ]
        or [pl.DataFrame(schema=QUARANTINE_COLUMNS)],
        how="diagonal_relaxed",
    )
    whole_file = pl.col("rule_id").str.starts_with(FILE_RULE_PREFIX)
    return frame.filter(~whole_file), frame.filter(whole_file)


def quarantine_by_file(quarantine: pl.DataFrame) -> list[dict[str, Any]]:
    """Quarantined rows counted per source file and rule, most first."""
    counts = quarantine.group_by("source_file", "rule_id").len()
    counts = counts.sort(["len", "source_file", "rule_id"], descending=[True, False, False], nulls_last=True)
    return [{"file": f, "rule": r, "rows": n} for f, r, n in counts.iter_rows()]


def layer_counts(settings: Settings) -> dict[str, Any]:
    """Rows per layer. Quarantine counts rows only (ingestion and silver rejections), so bronze rows equal
    silver rows plus quarantined rows; files rejected whole are counted apart, in files."""
    lake = open_lake(settings)
    quarantine, rejected_files = _quarantine(lake)
    by_rule = dict(quarantine.group_by("rule_id").len().sort("rule_id").rows())
    gold: dict[str, int] = {}
    warehouse = open_warehouse(settings)
    gold_error = None
    try:
        existing = warehouse.gold_tables()
        for table in GOLD_TABLES:
            if table in existing:
                gold[table] = warehouse.query(f"SELECT count(*) AS n FROM gold.{table}")["n"].item()
    except Exception as exc:  # status reports the other layers even when the warehouse cannot be reached
        # A settings error names the missing variable; a connector error may carry the account URL: type only.
        gold_error = str(exc) if isinstance(exc, SettingsError) else f"warehouse unreachable: {type(exc).__name__}"
    production, injection = _rows(lake, catalog.SILVER_PRODUCTION.path), _rows(lake, catalog.SILVER_INJECTION.path)
    return {
        "raw": {"rows": _rows(lake, raw_zone.MANIFEST_TABLE), "unit": "files"},
        "bronze": {
            "rows": _rows(lake, catalog.BRONZE_DAILY.path),
            "tables": {
                "daily_reports": _rows(lake, catalog.BRONZE_DAILY.path),
                "monthly_reports": _rows(lake, catalog.BRONZE_MONTHLY.path),
                "well_register": _rows(lake, catalog.BRONZE_REGISTER.path),
            },
        },
        "silver": {
            "rows": production + injection,
            "tables": {
                "well_day_production": production,
                "well_day_injection": injection,
                "well_register": _rows(lake, catalog.SILVER_REGISTER.path),
                "reported_monthly": _rows(lake, catalog.SILVER_MONTHLY.path),
            },
        },
        "quarantine": {
            "rows": quarantine.height,
            "rejected": int((quarantine["disposition"] == "rejected").sum()),
            "superseded": int((quarantine["disposition"] == "superseded").sum()),
            "by_rule": by_rule,
            "by_file": quarantine_by_file(quarantine),
        },
        "rejected_files": {
            "files": rejected_files["source_file"].n_unique(),
            "unit": "files",
            "by_rule": dict(rejected_files.group_by("rule_id").len().sort("rule_id").rows()),
            "names": sorted(rejected_files["source_file"].drop_nulls().unique().to_list()),
        },
        "gold": {"rows": gold.get("fct_well_daily_production", 0), "tables": gold}
        | ({"error": gold_error} if gold_error else {}),
    }


def latest_checks(instance: Any, check_keys: list[Any]) -> list[dict[str, Any]]:
    """The latest evaluation of each asset check recorded in the Dagster instance."""
    out: list[dict[str, Any]] = []
    for key in sorted(check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
        record = history[0] if history else None
        evaluation = None
        if record and record.event and record.event.dagster_event:
            evaluation = record.event.dagster_event.event_specific_data
        passed = getattr(evaluation, "passed", None)
        severity = getattr(getattr(evaluation, "severity", None), "value", None)
        out.append(
            {
                "asset": key.asset_key.to_user_string(),
                "name": key.name,
                "passed": passed,
                "severity": severity,
                "run_id": record.run_id if record else None,
            }
        )
    return out


def freshness_status(
    settings: Settings, instance: Any, check_keys: list[Any], now: datetime | None = None
) -> dict[str, Any]:
    """Each layer's freshness now (newest production day against the environment's window), with the latest
    recorded evaluation of its Dagster freshness check (``check``: None until the freshness sensor ran it)."""
    from da_platform.ops.freshness import freshness_report

    now = now or datetime.now(UTC)
    report = freshness_report(open_lake(settings), open_warehouse(settings), now, settings.freshness_window_hours)
    recorded = {c["asset"].split("/", 1)[0]: c for c in latest_checks(instance, check_keys)}
    return {
        layer: verdict.as_dict() | {"check": recorded.get(layer, {}).get("passed")} for layer, verdict in report.items()
    }


def lake_layer_rows(lake: Lake) -> dict[str, int]:
    """Rows per lake layer (raw: landed files) and quarantined rows, read from the lake alone: for callers that
    must not touch the warehouse (the API's /metrics reads gold from its own snapshot)."""
    quarantine = _quarantine(lake)[0].height  # rows only, as in layer_counts
    return {
        "raw": _rows(lake, raw_zone.MANIFEST_TABLE),
        "bronze": _rows(lake, catalog.BRONZE_DAILY.path),
        "silver": _rows(lake, catalog.SILVER_PRODUCTION.path) + _rows(lake, catalog.SILVER_INJECTION.path),
        "quarantine": quarantine,
    }


def pending_status(settings: Settings, instance: Any, include_raw: bool = True) -> dict[str, Any]:
    """The pending window (``da_platform.pending``) and who is writing the environment right now, if anyone
    (``include_raw``: see :func:`da_platform.pending.plan`)."""
    from da_platform.pending import plan
    from da_platform.run_lock import current_holder

    holder = current_holder(settings)
    # (a run prints its own summary while it holds the lock: it is not "another writer")
    writer = holder.describe() if holder and holder.pid != os.getpid() and holder.is_running() else None
    try:
        pending = plan(open_lake(settings), instance, settings.partition_grain, include_raw=include_raw).to_dict()
    except Exception as exc:  # status still reports the other layers; the type only (see layer_counts)
        pending = {"up_to_date": False, "ranges": [], "bronze": [], "silver": [], "gold": []}
        pending["error"] = type(exc).__name__
    return {**pending, "writer": writer}
