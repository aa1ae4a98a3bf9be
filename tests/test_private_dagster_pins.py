"""The overrides of private Dagster and dagster-dbt internals were checked against exact versions: any other
installed version fails here, naming what to re-check, until the pin is updated."""

from __future__ import annotations

import importlib.metadata

import pytest

from da_platform.defs import event_log_private
from da_platform.defs.gold import dbt_private

OVERRIDES = [
    (event_log_private, "PooledSqliteEventLogStorage (da_platform/defs/event_log_private.py)"),
    (dbt_private, "LeanDbtCliResource (da_platform/defs/gold/dbt_private.py)"),
]
PINS = [
    (module, overrides, package, pinned) for module, overrides in OVERRIDES for package, pinned in module.PINNED.items()
]


@pytest.mark.parametrize(
    ("module", "overrides", "package", "pinned"), PINS, ids=[f"{m.__name__.split('.')[-1]}-{p}" for m, _, p, _ in PINS]
)
def test_private_overrides_run_on_the_versions_they_were_checked_against(
    module: object, overrides: str, package: str, pinned: str
) -> None:
    installed = importlib.metadata.version(package)
    assert installed == pinned, (
        f"{package} changed from {pinned} to {installed}: re-check {overrides} against {module.UPSTREAM}, "
        f"then update the pin ({module.__name__}.PINNED)"
    )
