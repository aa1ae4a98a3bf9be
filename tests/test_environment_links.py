"""An environment folder that is a link into another environment is refused before anything is created."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from da_platform.cli import main
from da_platform.env import SettingsError, load_settings
from da_platform.run_steps import instance_home

BRANCH = {"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "true", "DAGSTER_CLOUD_PULL_REQUEST_ID": "5"}


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_a_pull_request_under_a_qa_folder_linked_to_prod_is_refused_in_one_line_and_creates_nothing(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_env / "prod" / "lake").mkdir(parents=True)
    (isolated_env / "qa").symlink_to(isolated_env / "prod", target_is_directory=True)
    before = tree(isolated_env / "prod")
    for name, value in BRANCH.items():
        monkeypatch.setenv(name, value)

    code = main(["run", "--only", "lakehouse", "--sample"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("datalive: the qa/pr-5 environment's folder")
    assert "inside prod's folder" in err and "Traceback" not in err
    assert tree(isolated_env / "prod") == before  # no prod/pr-5/


def test_a_dev_folder_linked_to_prod_is_refused(tmp_path: Path) -> None:
    (tmp_path / "home" / "prod").mkdir(parents=True)
    (tmp_path / "home" / "dev").symlink_to(tmp_path / "home" / "prod", target_is_directory=True)

    with pytest.raises(SettingsError, match=r"the dev environment's folder .* resolves to .*prod"):
        load_settings({"DATALIVE_HOME": str(tmp_path / "home")})


def test_a_pull_request_folder_linked_to_another_pull_requests_is_refused(tmp_path: Path) -> None:
    (tmp_path / "home" / "qa" / "pr-6").mkdir(parents=True)
    (tmp_path / "home" / "qa" / "pr-5").symlink_to(tmp_path / "home" / "qa" / "pr-6", target_is_directory=True)

    with pytest.raises(SettingsError, match="pr-6"):
        load_settings({"DATALIVE_HOME": str(tmp_path / "home"), **BRANCH})


def test_an_environment_folder_linked_to_a_folder_of_its_own_name_elsewhere_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "big-disk" / "prod").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "prod").symlink_to(tmp_path / "big-disk" / "prod", target_is_directory=True)

    settings = load_settings({"DATALIVE_HOME": str(tmp_path / "home"), "DA_ENV": "prod"})

    assert settings.env_root == tmp_path / "home" / "prod"


def test_settings_switched_to_a_linked_environment_are_refused_before_the_instance_folder_is_made(
    tmp_path: Path,
) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    (tmp_path / "home" / "qa").mkdir(parents=True)
    (tmp_path / "home" / "prod").symlink_to(tmp_path / "home" / "qa", target_is_directory=True)

    with pytest.raises(SettingsError, match="the prod environment's folder"):
        instance_home(replace(settings, env="prod"))

    assert tree(tmp_path / "home" / "qa") == []
