"""infra/'s Terraform as Python data (python-hcl2), for tests that cannot run a provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from tests.infra.terraform import INFRA


def load_root(cloud: str, root: str) -> dict[str, Any]:
    """Every block of ``infra/<cloud>/<root>/*.tf``: ``resources[type][name]``, ``locals``, ``variables``."""
    resources: dict[str, dict[str, Any]] = {}
    local_values: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    for path in sorted((INFRA / cloud / root).glob("*.tf")):
        with path.open() as handle:
            parsed = hcl2.load(handle, serialization_options=SerializationOptions(strip_string_quotes=True))
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                resources.setdefault(kind, {}).update(named)
        for block in parsed.get("locals", []):
            local_values.update({k: v for k, v in block.items() if k != "__is_block__"})
        for block in parsed.get("variable", []):
            variables.update(block)
    return {"resources": resources, "locals": local_values, "variables": variables}


def tf_files(cloud: str) -> list[Path]:
    """Every Terraform file of one cloud."""
    return sorted((INFRA / cloud).rglob("*.tf"))
