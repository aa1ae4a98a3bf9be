"""Retention per environment (``Settings.retention``): what a vacuum, the MLflow clean-up and the quarantine
clean-up would remove, and removing it.

A vacuum only deletes data files that a commit older than the vacuum horizon removed from the table, so
every version of the last ``vacuum_horizon_days`` stays restorable by :mod:`da_platform.ops.restore`.
Raw (the landed bytes, the manifest, the audit trail) is never touched: it is kept forever.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl
from deltalake import DeltaTable

from da_platform import catalog
from da_platform.env import Retention
from da_platform.lakehouse.delta_lake import Lake

if TYPE_CHECKING:
    from da_platform.forecast.tracking import TrackingTarget

# The Delta tables a vacuum may clean; raw/* is absent on purpose (kept forever).
VACUUMED_TABLES = tuple(
    table.path
    for table in (
        catalog.BRONZE_DAILY,
        catalog.BRONZE_REJECTIONS,
        catalog.BRONZE_MONTHLY,
        catalog.BRONZE_REGISTER,
        catalog.SILVER_PRODUCTION,
        catalog.SILVER_INJECTION,
        catalog.SILVER_QUARANTINE,
        catalog.SILVER_REGISTER,
        catalog.SILVER_MONTHLY,
        catalog.FORECAST_WELL_DAILY,
        catalog.FORECAST_MONTHLY,
        catalog.FORECAST_BACKTEST,
        catalog.RAG_CHUNKS,
    )
)
QUARANTINE_TABLE = catalog.SILVER_QUARANTINE.path


@dataclass
class RetentionPlan:
    """What retention removes (or removed, once applied)."""

    retention: Retention
    vacuum_files: dict[str, int] = field(default_factory=dict)
    quarantine_rows: int = 0
    mlflow_runs: list[str] = field(default_factory=list)
    applied: bool = False

    def describe(self) -> str:
        """A few lines for the CLI and the audit trail."""
        verb = "removed" if self.applied else "would remove"
        r = self.retention
        files = sum(self.vacuum_files.values())
        lines = [
            f"vacuum (horizon {r.vacuum_horizon_days} d): {verb} {files} unreferenced data files"
            + (f" ({', '.join(f'{t} {n}' for t, n in self.vacuum_files.items() if n)})" if files else ""),
            f"quarantine (kept {r.quarantine_days} d): {verb} {self.quarantine_rows} rows",
            f"mlflow runs (kept {r.mlflow_run_days} d, registered versions always kept): "
            f"{verb} {len(self.mlflow_runs)}",
            "raw: kept forever (landed files, manifest, audit trail)",
        ]
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        """The numbers, for the audit record."""
        return {
            "vacuum_files": sum(self.vacuum_files.values()),
            "quarantine_rows": self.quarantine_rows,
            "mlflow_runs": len(self.mlflow_runs),
        }


def _vacuum(lake: Lake, table: str, horizon_days: int, apply: bool) -> int:
    dt = DeltaTable(lake.uri(table), storage_options=lake.storage_options)
    # enforce_retention_duration=False only lifts delta-rs's fixed 7-day floor: the horizon is ours, per env.
    removed = dt.vacuum(retention_hours=horizon_days * 24, dry_run=not apply, enforce_retention_duration=False)
    return len(removed)


def _old_sources(lake: Lake, cutoff: datetime) -> list[str]:
    """sha256 of the landed files that first arrived before ``cutoff`` (from the raw manifest)."""
    from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE

    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)
    first = manifest.group_by("sha256").agg(pl.col("arrived_at").min())
    return sorted(first.filter(pl.col("arrived_at") < cutoff)["sha256"].to_list())


def _old_quarantine(lake: Lake, cutoff: datetime) -> tuple[int, list[str]]:
    """Quarantined rows whose source file arrived before ``cutoff``: their count and the files' sha256."""
    if not lake.exists(QUARANTINE_TABLE):
        return 0, []
    sources = _old_sources(lake, cutoff)
    rows = lake.scan(QUARANTINE_TABLE).filter(pl.col("source_sha256").is_in(sources)).select(pl.len()).collect()
    return int(rows.item()), sources


def _old_runs(target: TrackingTarget, cutoff: datetime) -> list[str]:
    from mlflow import MlflowClient

    if target.store_missing:
        return []  # nothing was ever tracked here; opening the store would create it
    client = MlflowClient(tracking_uri=target.tracking_uri, registry_uri=target.tracking_uri)
    experiment = client.get_experiment_by_name(target.experiment)
    if experiment is None:
        return []
    kept = {v.run_id for v in client.search_model_versions(f"name='{target.model_name}'")}
    runs = client.search_runs(
        [experiment.experiment_id], filter_string=f"attributes.start_time < {int(cutoff.timestamp() * 1000)}"
    )
    return sorted(r.info.run_id for r in runs if r.info.run_id not in kept)


def retention(
    lake: Lake,
    policy: Retention,
    target: TrackingTarget | None = None,
    apply: bool = False,
    now: datetime | None = None,
) -> RetentionPlan:
    """Plan (or with ``apply`` carry out) the environment's retention; a dry run changes nothing."""
    now = now or datetime.now(UTC)
    plan = RetentionPlan(policy, applied=apply)
    for table in VACUUMED_TABLES:
        if lake.exists(table):
            plan.vacuum_files[table] = _vacuum(lake, table, policy.vacuum_horizon_days, apply)
    plan.quarantine_rows, sources = _old_quarantine(lake, now - timedelta(days=policy.quarantine_days))
    if apply and plan.quarantine_rows:
        # sha256 values from the manifest, checked as hex before they enter the predicate.
        if not all(re.fullmatch(r"[0-9a-f]{64}", sha) for sha in sources):
            raise ValueError("the raw manifest holds a sha256 that is not 64 hex digits")
        listed = ", ".join(f"'{sha}'" for sha in sources)
        DeltaTable(lake.uri(QUARANTINE_TABLE), storage_options=lake.storage_options).delete(
            f"source_sha256 IN ({listed})"
        )
    if target is not None:
        plan.mlflow_runs = _old_runs(target, now - timedelta(days=policy.mlflow_run_days))
        if apply and plan.mlflow_runs:
            from mlflow import MlflowClient

            client = MlflowClient(tracking_uri=target.tracking_uri, registry_uri=target.tracking_uri)
            for run_id in plan.mlflow_runs:
                client.delete_run(run_id)
    return plan
