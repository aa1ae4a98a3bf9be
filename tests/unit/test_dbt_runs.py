"""An environment's dbt run folders: the first run starts from the project's parse state, the latest parse
state is kept for the next run, old folders go."""

from __future__ import annotations

import os
from pathlib import Path

from da_platform.gold.dbt_runs import PARSE_STATE, keep_parse_state, seed_parse_state


def _run_folder(work: Path, name: str, age_s: int, state: bytes | None = None) -> Path:
    folder = work / name
    folder.mkdir(parents=True)
    (folder / "run_results.json").write_text("{}")
    if state is not None:
        (folder / PARSE_STATE).write_bytes(state)
    os.utime(folder, (1_700_000_000 - age_s, 1_700_000_000 - age_s))
    return folder


def test_the_latest_runs_parse_state_is_what_the_next_run_starts_from(tmp_path: Path) -> None:
    (tmp_path / PARSE_STATE).write_bytes(b"older")
    run = _run_folder(tmp_path, "gold_dbt_models-abc", 0, state=b"newer")
    keep_parse_state(run, tmp_path)
    assert (tmp_path / PARSE_STATE).read_bytes() == b"newer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gold_dbt_models-abc", PARSE_STATE]


def test_a_run_without_parse_state_leaves_the_previous_one(tmp_path: Path) -> None:
    (tmp_path / PARSE_STATE).write_bytes(b"previous")
    keep_parse_state(_run_folder(tmp_path, "failed-early", 0), tmp_path)
    assert (tmp_path / PARSE_STATE).read_bytes() == b"previous"


def test_only_the_latest_run_folders_are_kept_and_the_current_one_always(tmp_path: Path) -> None:
    for age in range(1, 8):
        _run_folder(tmp_path, f"run-{age}", age * 60)
    current = _run_folder(tmp_path, "current", 3600)  # oldest mtime, still the run that just finished
    keep_parse_state(current, tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["current", "run-1", "run-2"]


def test_an_environment_without_parse_state_starts_from_the_projects(tmp_path: Path) -> None:
    project_target, work = tmp_path / "target", tmp_path / "work"
    project_target.mkdir()
    work.mkdir()
    (project_target / PARSE_STATE).write_bytes(b"make setup")
    assert seed_parse_state(work, project_target)
    assert (work / PARSE_STATE).read_bytes() == b"make setup"


def test_an_environments_own_parse_state_is_never_replaced_by_the_projects(tmp_path: Path) -> None:
    project_target, work = tmp_path / "target", tmp_path / "work"
    project_target.mkdir()
    work.mkdir()
    (project_target / PARSE_STATE).write_bytes(b"make setup")
    (work / PARSE_STATE).write_bytes(b"own")
    assert not seed_parse_state(work, project_target)
    assert (work / PARSE_STATE).read_bytes() == b"own"


def test_without_a_project_parse_state_nothing_is_seeded(tmp_path: Path) -> None:
    assert not seed_parse_state(tmp_path, tmp_path / "no-target")
    assert not (tmp_path / PARSE_STATE).exists()
