"""The steps of ``datalive run`` report through the reporter they are given and print nothing themselves."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from da_platform import run_steps
from da_platform.env import load_settings


class Recorder:
    """A reporter that keeps what it was told and runs each step's work as it is."""

    verbose = False

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.steps: list[str] = []

    def say(self, message: str) -> None:
        self.lines.append(message)

    def step(self, title: str, work, instance=None, expected=()):
        self.steps.append(title)
        return work("run-id")

    def outcome(self, result) -> None:
        self.lines.append(f"outcome success={result.success}")


def test_an_environment_with_nothing_pending_runs_no_daily_build_and_says_so(tmp_path: Path, capsys) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    reporter = Recorder()
    with dg.DagsterInstance.ephemeral() as instance:
        success, ranges = run_steps.build_pending(settings, instance, None, {}, run_steps.SILENT, reporter, "2/4")
    assert (success, ranges) == (True, [])
    assert reporter.steps == []
    assert reporter.lines == ["[2/4] nothing pending: bronze, silver, gold and their checks agree"]
    assert capsys.readouterr() == ("", "")
