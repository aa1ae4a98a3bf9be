"""Dropping a closed pull request's branch-deployment resources (qa isolated by PR id).

Only a branch deployment's own namespace can be dropped: the settings must be qa with a PR id, and the
folder must resolve (symlinks followed) to exactly ``<home>/qa/pr-<N>``, so a misconfigured path or a
link into another environment is refused instead of deleted. The embedded backends keep everything under
that folder (lake, warehouse, MLflow store, vector index, Dagster instance, landing); server backends add
their own drop steps here as they arrive (schema per PR, collection per PR, experiment per PR).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from da_platform.env import Settings


class CleanupRefused(RuntimeError):
    """The target is not a branch deployment's own namespace."""


@dataclass(frozen=True)
class CleanupPlan:
    """What dropping one PR's resources removes."""

    pr_id: str
    folder: Path
    exists: bool


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
    return CleanupPlan(settings.pr_id, expected, expected.exists())


def drop_branch(settings: Settings) -> CleanupPlan:
    """Remove the pull request's namespace (idempotent: a second call finds nothing to drop)."""
    plan = plan_cleanup(settings)
    if plan.exists:
        shutil.rmtree(plan.folder)
    return plan
