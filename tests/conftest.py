"""Shared fixtures: an isolated environment home, the prepared dbt manifest and the API's Volve environment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
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


# Two Volve months: every API route has data (variances, plan, downtime, forecasts) and gold builds in a minute.
VOLVE_API_SLICE = ("2016-02-01", "2016-03-31")


@pytest.fixture(scope="module")
def volve_api_home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[Path]:
    """A dev environment home with gold built by `datalive run` from ``VOLVE_API_SLICE`` and the forecast
    table by its Dagster asset; one per test module, since API tests add keys and events to it."""
    from tests.helpers import build_environment

    root = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        yield build_environment(root, *VOLVE_API_SLICE)


@dataclass
class StubExplanation:
    """What the explain engine answers, as :class:`StubExplainer` makes it."""

    answer: str
    refused: bool
    reason: str | None
    citations: list[dict]
    facts: list[dict]

    def to_dict(self) -> dict:
        return {
            "answer": self.answer,
            "refused": self.refused,
            "reason": self.reason,
            "citations": self.citations,
            "facts": self.facts,
        }


@dataclass
class StubExplainer:
    """Stands in for da_platform.rag.service until the engine lands: answers from the question it gets."""

    questions: list[str] = field(default_factory=list)

    def explain(self, question: str) -> StubExplanation:
        self.questions.append(question)
        if "weather" in question:
            return StubExplanation("", True, "out of scope: no weather data", [], [])
        return StubExplanation(
            f"Answer to: {question} [c1]",
            False,
            None,
            [{"id": "c1", "source": "https://example.org/volve/daily-report", "quote": "on stream 18 h"}],
            [
                {
                    "table": "gold.fct_well_daily_production",
                    "keys": {"well_id": "15/9-F-12"},
                    "column": "oil_sm3",
                    "value": 1.0,
                }
            ],
        )

    def index_status(self) -> dict:
        return {"ready": True, "chunks": 3, "collection": "stub"}
