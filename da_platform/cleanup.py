"""Dropping a closed pull request's branch-deployment resources (qa isolated by PR id).

Only a branch deployment's own namespace can be dropped: the settings must be qa with a PR id, and the
folder must resolve (symlinks followed) to exactly ``<home>/qa/pr-<N>``, so a misconfigured path or a
link into another environment is refused instead of deleted. The embedded backends keep everything under
that folder (lake, warehouse, MLflow store, vector index, Dagster instance, landing). Server backends add
their own drop step: the PR's ``pr-<N>/`` prefix in each of qa's lake stores (S3 buckets or Azure
containers) when ``DATALIVE_LAKE_URL`` is set, the PR's pgvector collection (``rag_qa_pr<N>``) when
``DATALIVE_VECTOR_DSN`` is set, and the PR's experiment and registered model on the qa MLflow server when
one is configured, and the PR's Snowflake schemas (``ANALYTICS_QA_PR<N>_SILVER`` / ``_GOLD`` in ``DB_QA``)
when the Snowflake credentials are set.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from da_platform.env import SNOWFLAKE_SECRETS, Settings, variables_present


class CleanupRefused(RuntimeError):
    """The target is not a branch deployment's own namespace."""


@dataclass(frozen=True)
class CleanupPlan:
    """What dropping one PR's resources removes."""

    pr_id: str
    folder: Path
    exists: bool
    vector_collection: str | None = None  # on the pgvector server, when one is configured
    mlflow_server: bool = False  # the PR's experiment and model on the qa MLflow server
    lake_stores: str | None = None  # qa's object-store lake, whose pr-<N>/ prefixes are the PR's
    snowflake: bool = False  # the PR's silver and gold schemas in DB_QA

    @property
    def is_empty(self) -> bool:
        """Nothing to drop: no folder and no server backend configured."""
        backends = (self.vector_collection, self.mlflow_server, self.lake_stores, self.snowflake)
        return not self.exists and not any(backends)

    def describe(self) -> str:
        """What the plan covers, for the command's message."""
        parts = [str(self.folder)]
        if self.lake_stores:
            parts.append(f"pr-{self.pr_id}/ in every zone of {self.lake_stores}")
        if self.snowflake:
            parts.append(f"the Snowflake schemas of PR {self.pr_id} in DB_QA")
        if self.vector_collection:
            parts.append(f"vector collection {self.vector_collection}")
        if self.mlflow_server:
            parts.append(f"the MLflow experiment and model of PR {self.pr_id} on the qa server")
        return " and ".join(parts)


def plan_cleanup(settings: Settings) -> CleanupPlan:
    """Check the target and say what would be dropped; raises CleanupRefused outside a PR's namespace."""
    if settings.env != "qa" or not settings.pr_id:
        raise CleanupRefused(f"only a qa branch deployment can be dropped, not {settings.isolation_key!r}")
    if not re.fullmatch(r"\d+", settings.pr_id):
        raise CleanupRefused(f"pull request id must be a number, got {settings.pr_id!r}")
    expected = settings.home.resolve() / "qa" / f"pr-{settings.pr_id}"
    folder = settings.env_root
    if folder.is_symlink() or folder.resolve() != expected:
        raise CleanupRefused(f"{folder} does not resolve to {expected}; refusing to delete it")
    collection = f"rag_qa_pr{settings.pr_id}" if settings.vector_dsn else None
    return CleanupPlan(
        settings.pr_id,
        expected,
        expected.exists(),
        collection,
        bool(settings.mlflow_tracking_uri),
        settings.lake_url,
        all(variables_present(SNOWFLAKE_SECRETS).values()),
    )


def drop_branch(settings: Settings) -> CleanupPlan:
    """Remove the pull request's namespace (idempotent: a second call finds nothing to drop)."""
    plan = plan_cleanup(settings)
    if plan.exists:
        shutil.rmtree(plan.folder)
    if plan.lake_stores:
        from da_platform.lakehouse.delta_lake import open_lake

        open_lake(settings).drop_everything()  # the lake refuses unless it is scoped to this PR's prefix
    if plan.snowflake:
        from da_platform.lakehouse.warehouse import open_warehouse

        open_warehouse(settings).drop_schemas()  # type: ignore[union-attr]  # qa: always Snowflake
    if plan.vector_collection and settings.vector_dsn:
        from da_platform.rag.pgvector_store import PgVectorStore
        from da_platform.rag.store import collection_name

        expected = collection_name(settings)
        store = PgVectorStore(settings.vector_dsn, plan.vector_collection, expected_collection=expected)
        try:
            store.drop()
        finally:
            store.close()
    if plan.mlflow_server and settings.mlflow_tracking_uri:
        from da_platform.forecast.tracking import drop_target, server_target

        drop_target(server_target(settings.mlflow_tracking_uri, settings.isolation_key))
    return plan
