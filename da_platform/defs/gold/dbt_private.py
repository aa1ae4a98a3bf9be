"""The one place gold overrides private dagster-dbt methods (``DbtCliResource._cli_version`` and
``_initialize_dbt_core_adapter``, in ``dagster_dbt/core/resource.py``).

dagster-dbt offers no public setting for either. Before every ``dbt build`` it asks ``dbt --version`` in a
subprocess (which imports all of dbt) and opens a dbt adapter in this process; together they cost ~5 s a
run here and give this project nothing. The version of this interpreter's own dbt is its installed
dbt-core, and the adapter only serves ``fetch_column_metadata`` and ``fetch_row_counts``, which the gold
assets never call. Private methods change without notice, so ``tests/test_private_dagster_pins.py`` fails
on any other dagster, dagster-dbt or dbt-core version than ``PINNED`` until these are re-checked.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from dbt.adapters.base import BaseAdapter
from packaging import version

# The versions these overrides were checked against (and the upstream file to re-read on an upgrade).
PINNED = {"dagster": "1.13.27", "dagster-dbt": "0.29.27", "dbt-core": "1.11.16"}
UPSTREAM = "dagster_dbt/core/resource.py (DbtCliResource.cli, _cli_version, _initialize_dbt_core_adapter)"
DBT_BESIDE_INTERPRETER = Path(sys.executable).parent / "dbt"
DBT_LAUNCHER = Path(sys.executable).parent / "datalive-dbt"  # this interpreter's dbt, in another folder


class LeanDbtCliResource(DbtCliResource):
    """``DbtCliResource`` without the per-run version subprocess and in-process adapter (see the module)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) in (DBT_BESIDE_INTERPRETER, DBT_LAUNCHER):
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> BaseAdapter | None:
        return None
