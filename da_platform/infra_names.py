"""Every name and tag that ``infra/`` uses, computed from :mod:`da_platform.naming` (the single source).

``scripts/infra_names.py`` writes them to ``infra/<cloud>/envs/<env>.names.tfvars.json``; Terraform reads
those files and builds no name itself, and ``tests/infra`` checks the files equal what this module gives.
Pure: no file, no environment variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from da_platform.env import ENVIRONMENTS, Settings
from da_platform.naming import compact_name, mandatory_tags, resource_name

Cloud = Literal["aws", "azure"]
CLOUDS: tuple[Cloud, ...] = ("aws", "azure")
ZONES = ("raw", "bronze", "silver", "gold")
# The primary region of each cloud; AWS's is the runtime's default (Settings.region).
REGIONS: dict[Cloud, str] = {"aws": Settings.region, "azure": "swedencentral"}

# (key in the names map, service, suffix): the resources each cloud's environment root names.
_AWS = (
    ("kms_key", "kms", "lake"),
    ("trail", "trail", "all"),
    ("trail_bucket", "trail", "logs"),
    ("vpc", "vpc", "main"),
    ("sg_endpoints", "sg", "endpoints"),
    ("sg_compute", "sg", "compute"),
    ("kinesis_stream", "stream", "daily-reports"),
    ("emr_app", "emr", "spark"),
    ("emr_role", "emr", "runtime"),
    ("emr_logs_bucket", "emr", "logs"),
    ("sns_topic", "alerts", "ops"),
    ("budget", "budget", "monthly"),
    ("group_admin", "iam", "admin"),
    ("group_poweruser", "iam", "poweruser"),
    ("group_readonly", "iam", "readonly"),
    ("state_bucket", "tfstate", "state"),
    ("flow_logs", "vpc", "flow-logs"),
)
_AZURE = (
    ("resource_group", "rg", "platform"),
    ("log_analytics", "log", "platform"),
    ("vnet", "vnet", "main"),
    ("eventhub_namespace", "evh", "streams"),
    ("databricks", "dbw", "spark"),
    ("action_group", "alerts", "ops"),
    ("budget", "budget", "monthly"),
    ("management_group", "mg", "env"),
    ("group_owner", "aad", "owner"),
    ("group_contributor", "aad", "contributor"),
    ("group_reader", "aad", "reader"),
)
AZURE_SUBNETS = ("ingesta", "compute", "data", "aux")


def settings_for(env: str, region: str, home: Path = Path("/nonexistent")) -> Settings:
    """Settings of a full environment (never a branch deployment) in a region; ``home`` is never touched."""
    if env not in ENVIRONMENTS:
        raise ValueError(f"environment {env!r} is not one of {', '.join(ENVIRONMENTS)}")
    return Settings(env=env, home=home, region=region)  # type: ignore[arg-type]


def infra_names(cloud: Cloud, env: str, region: str | None = None) -> dict[str, Any]:
    """The variables ``infra/<cloud>/environment`` receives for ``env``: environment, region, names, tags."""
    region = region or REGIONS[cloud]
    settings = settings_for(env, region)
    names: dict[str, str] = {}
    if cloud == "aws":
        for key, service, suffix in _AWS:
            names[key] = resource_name(settings, service, suffix)
        for zone in ZONES:
            names[f"lake_{zone}"] = resource_name(settings, "lake", zone)  # = DATALIVE_LAKE_URL's {zone}
            names[f"glue_{zone}"] = resource_name(settings, "glue", zone).replace("-", "_")  # Glue: no hyphens
        names["role_admin"], names["role_readonly"] = "dqalq-admin", "dqalq-readonly"  # per account, by the plan
    elif cloud == "azure":
        for key, service, suffix in _AZURE:
            names[key] = resource_name(settings, service, suffix)
        for subnet in AZURE_SUBNETS:
            names[f"subnet_{subnet}"] = resource_name(settings, "snet", subnet)
            names[f"nsg_{subnet}"] = resource_name(settings, "nsg", subnet)
        names["storage_account"] = compact_name(settings, "lake")  # = abfss://{zone}@dqalqlake<env>…
        names["key_vault"] = compact_name(settings, "kv")
        names["state_account"] = compact_name(settings, "tfstate")
    else:
        raise ValueError(f"cloud {cloud!r} is not one of {', '.join(CLOUDS)}")
    return {"environment": env, "region": region, "names": names, "tags": mandatory_tags(settings)}


def lake_url(cloud: Cloud, env: str) -> str:
    """The ``DATALIVE_LAKE_URL`` a deployment of ``env`` sets to reach the stores infra creates."""
    names = infra_names(cloud, env)["names"]
    if cloud == "aws":
        return "s3://" + names["lake_raw"].removesuffix("-raw") + "-{zone}"
    return f"abfss://{{zone}}@{names['storage_account']}.dfs.core.windows.net"
