"""The naming standard and mandatory tags from the plan (phase 4), built in one place.

Names follow ``dqalq-<service>-<env>-<region>-<suffix>``; every resource and every Dagster asset carries
the tags ``Environment``, ``Owner``, ``CostCenter`` and ``Project``.
"""

from __future__ import annotations

import re

from da_platform.env import Settings

PREFIX = "dqalq"
MANDATORY_TAGS = ("Environment", "Owner", "CostCenter", "Project")
_PART = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NAME_PATTERN = re.compile(r"dqalq-[a-z0-9]+-(dev|qa|prod)-[a-z0-9-]+-[a-z0-9-]+")


def resource_name(settings: Settings, service: str, suffix: str) -> str:
    """Build ``dqalq-<service>-<env>-<region>-<suffix>``; a branch deployment adds ``pr<N>`` to the suffix."""
    if not re.fullmatch(r"[a-z0-9]+", service):
        raise ValueError(f"service {service!r} must be lowercase letters and digits only")
    if not _PART.fullmatch(suffix):
        raise ValueError(f"suffix {suffix!r} must be lowercase words joined by '-'")
    if not _PART.fullmatch(settings.region):
        raise ValueError(f"region {settings.region!r} must be lowercase words joined by '-'")
    if settings.pr_id:
        suffix = f"{suffix}-pr{settings.pr_id}"
    return f"{PREFIX}-{service}-{settings.env}-{settings.region}-{suffix}"


def mandatory_tags(settings: Settings) -> dict[str, str]:
    """The four tags every resource and asset must carry."""
    return {
        "Environment": settings.env,
        "Owner": settings.owner,
        "CostCenter": settings.cost_center,
        "Project": settings.project,
    }


def compact_name(settings: Settings, service: str) -> str:
    """``dqalq<service><env>`` for providers that forbid hyphens or long names (Azure storage accounts and
    Key Vaults: 3–24 lowercase letters and digits). The runtime's ``abfss://…@dqalqlake<env>…`` is this form."""
    if not re.fullmatch(r"[a-z0-9]+", service):
        raise ValueError(f"service {service!r} must be lowercase letters and digits only")
    name = f"{PREFIX}{service}{settings.env}"
    if not 3 <= len(name) <= 24:
        raise ValueError(f"{name!r} is {len(name)} characters: storage accounts and Key Vaults allow 3 to 24")
    return name
