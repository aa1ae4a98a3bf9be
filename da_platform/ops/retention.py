"""Retention per environment (``Settings.retention``): what a vacuum, the MLflow clean-up and the quarantine
clean-up would remove, and removing it.

A vacuum only deletes data files that a commit older than the vacuum horizon removed from the table, so
every version of the last ``vacuum_horizon_days`` stays restorable by :mod:`da_platform.ops.restore`.
Raw (the landed bytes, the manifest, the audit trail) is never touched: it is kept forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl
from deltalake import DeltaTable

from da_platform.env import Retention
from da_platform.lakehouse.delta_lake import Lake

if TYPE_CHECKING:
    from da_platform.forecast.tracking import TrackingTarget

# The Delta tables a vacuum may clean; raw/* is absent on purpose (kept forever).
VACUUMED_TABLES = (
    "bronze/daily_reports",
    "bronze/rejections",
    "bronze/monthly_reports",
    "bronze/well_register",
    "silver/well_day_production",
    "silver/well_day_injection",
    "silver/quarantine",
    "silver/well_register",
    "silver/reported_monthly",
    "forecast/well_daily_forecasts",
    "forecast/monthly_forecasts",
    "forecast/backtest_metrics",
    "rag/chunks",
)
QUARANTINE_TABLE = "silver/quarantine"


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


def _quarantine_cutoff_predicate(cutoff: datetime) -> str:
    # Built from a datetime value, never from user text.
    return f"arrived_at < '{cutoff.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')}Z'"


def _old_quarantine(lake: Lake, cutoff: datetime) -> int:
    if not lake.exists(QUARANTINE_TABLE):
        return 0
    return lake.scan(QUARANTINE_TABLE).filter(pl.col("arrived_at") < cutoff).select(pl.len()).collect().item()


def _old_runs(target: TrackingTarget, cutoff: datetime) -> list[str]:
    from mlflow import MlflowClient

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
    cutoff = now - timedelta(days=policy.quarantine_days)
    plan.quarantine_rows = _old_quarantine(lake, cutoff)
    if apply and plan.quarantine_rows:
        DeltaTable(lake.uri(QUARANTINE_TABLE), storage_options=lake.storage_options).delete(
            _quarantine_cutoff_predicate(cutoff)
        )
    if target is not None:
        plan.mlflow_runs = _old_runs(target, now - timedelta(days=policy.mlflow_run_days))
        if apply and plan.mlflow_runs:
            from mlflow import MlflowClient

            client = MlflowClient(tracking_uri=target.tracking_uri, registry_uri=target.tracking_uri)
            for run_id in plan.mlflow_runs:
                client.delete_run(run_id)
    return plan
