"""The dbt resource's shortcuts over dagster-dbt's per-run set-up give the same answers it would."""

from __future__ import annotations

import subprocess
from pathlib import Path

from packaging import version

from da_platform.defs.gold.assets import dbt_resource
from da_platform.env import load_settings


def _resource(tmp_path: Path):
    return dbt_resource(load_settings({"DATALIVE_HOME": str(tmp_path), "DA_ENV": "dev"}, cwd=tmp_path))


def test_dbt_version_is_the_one_the_executable_reports(tmp_path: Path) -> None:
    resource = _resource(tmp_path)
    reported = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True, check=True)
    assert f"installed: {resource._cli_version}" in reported.stdout


def test_a_dbt_on_the_path_is_still_asked_its_version(tmp_path: Path) -> None:
    resource = _resource(tmp_path).model_copy(update={"dbt_executable": str(tmp_path / "dbt")})
    fake = tmp_path / "dbt"
    fake.write_text("#!/bin/sh\necho 'Core:\n  - installed: 9.8.7'\n")
    fake.chmod(0o755)
    assert resource._cli_version == version.parse("9.8.7")
