"""Dropping a closed pull request's branch deployment touches that PR's namespace and nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from da_platform.cleanup import CleanupRefused, drop_branch
from da_platform.cli import main
from da_platform.env import load_settings


def _branch(home: Path, pr: str):
    return load_settings(
        {
            "DATALIVE_HOME": str(home),
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": pr,
            "DAGSTER_CLOUD_DEPLOYMENT_NAME": f"pr-{pr}",
        },
        cwd=home,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    for namespace in ("dev", "prod", "qa/pr-7", "qa/pr-8"):
        (tmp_path / namespace / "lake").mkdir(parents=True)
        (tmp_path / namespace / "lake" / "data.parquet").write_bytes(b"x")
    return tmp_path


def test_dropping_a_pull_request_removes_its_namespace_only(home: Path) -> None:
    plan = drop_branch(_branch(home, "7"))
    assert plan.exists and not (home / "qa" / "pr-7").exists()
    assert all((home / n / "lake" / "data.parquet").exists() for n in ("dev", "prod", "qa/pr-8"))


def test_dropping_twice_finds_nothing_the_second_time(home: Path) -> None:
    drop_branch(_branch(home, "7"))
    assert drop_branch(_branch(home, "7")).exists is False


def test_prod_and_dev_cannot_be_dropped(home: Path) -> None:
    for env in ("prod", "dev"):
        with pytest.raises(CleanupRefused, match="only a qa branch deployment"):
            drop_branch(load_settings({"DATALIVE_HOME": str(home), "DA_ENV": env}, cwd=home))
    assert (home / "prod" / "lake" / "data.parquet").exists()


def test_a_pull_request_folder_linking_into_prod_is_refused_not_followed(home: Path) -> None:
    (home / "qa" / "pr-9").symlink_to(home / "prod")
    # load_settings itself refuses this folder (tests/test_environment_links.py); cleanup must refuse it too
    # when handed such settings directly.
    with pytest.raises(CleanupRefused, match="does not resolve"):
        drop_branch(replace(_branch(home, "7"), pr_id="9"))
    assert (home / "prod" / "lake" / "data.parquet").exists()


def test_a_pull_request_id_that_is_not_a_number_is_refused(home: Path) -> None:
    with pytest.raises(CleanupRefused, match="must be a number"):
        drop_branch(replace(_branch(home, "7"), pr_id="../../prod"))
    assert (home / "prod").exists()


def test_cli_says_what_it_would_drop_and_drops_only_with_yes(home: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    monkeypatch.setenv("DA_ENV", "qa")
    assert main(["cleanup", "--pr", "8"]) == 0
    assert "would drop" in capsys.readouterr().err and (home / "qa" / "pr-8").exists()
    assert main(["cleanup", "--pr", "8", "--yes"]) == 0
    assert not (home / "qa" / "pr-8").exists()
