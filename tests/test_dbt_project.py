"""The dbt project parses for every environment target, offline, with no secret in the profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
DBT = str(Path(sys.executable).parent / "dbt")


@pytest.mark.parametrize("target", ["dev", "qa", "prod"])
def test_dbt_parses_for_each_environment_target(target: str, tmp_path: Path) -> None:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DATALIVE_DUCKDB_PATH": str(tmp_path / "x.duckdb")}
    result = subprocess.run(
        [
            DBT,
            "parse",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target",
            target,
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_profiles_take_snowflake_secrets_only_from_environment_variables() -> None:
    profiles = (PROJECT / "profiles.yml").read_text(encoding="utf-8")
    password_lines = [line.strip() for line in profiles.splitlines() if line.strip().startswith("password:")]
    assert password_lines
    assert all("env_var('DATALIVE_SNOWFLAKE_PASSWORD'" in line for line in password_lines)
