"""Shared fixtures: an isolated environment home and the prepared dbt manifest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

DEPLOYMENT_VARIABLES = (
    "DA_ENV",
    "DAGSTER_CLOUD_DEPLOYMENT_NAME",
    "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT",
    "DAGSTER_CLOUD_PULL_REQUEST_ID",
    "DATALIVE_PARTITIONS_START",
)


def pytest_configure(config: pytest.Config) -> None:
    """Give an xdist worker's bare ``__main__`` a file name.

    pyspark (the Spark extra) takes a ``__main__`` without ``__file__`` for its own doctest runner and calls
    ``sys.exit(-1)`` when MLflow probes for an active Spark session; xdist workers run from such a module.
    A real ``datalive`` process always has a file.
    """
    import sys

    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is None and not hasattr(main, "__file__"):
        main.__file__ = "<pytest-xdist worker>"


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """DATALIVE_HOME in a temporary folder, dev environment, no Dagster+ variables."""
    home = tmp_path / "home"
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    for name in DEPLOYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield home


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """The dbt manifest the code location loads; parsed once if `make setup` has not done it."""
    from da_platform.defs.gold.assets import dbt_project

    project = dbt_project()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)
    return project.manifest_path
