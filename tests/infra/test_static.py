"""Static checks of all of infra/: terraform fmt, checkov (no failed check, skips with reasons), validate and
``terraform test`` (mocked AWS provider) of every AWS root, once per environment."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.infra.conftest import CHECKOV
from tests.infra.terraform import INFRA, workspace

pytestmark = pytest.mark.infra

AWS_ROOTS = ("environment", "bootstrap", "organization")


def test_terraform_fmt_finds_nothing_to_reformat(terraform_bin: str) -> None:
    done = subprocess.run(
        [terraform_bin, "fmt", "-check", "-recursive", "-diff", str(INFRA)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"terraform fmt would change:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_checkov_finds_no_failed_check_in(cloud: str) -> None:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run scripts/install_checkov.sh (make test-infra does)"
    done = subprocess.run(
        [str(CHECKOV), "-d", str(INFRA / cloud), "--config-file", str(INFRA / ".checkov.yaml"), "-o", "json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})" for r in reports for c in r["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed:\n" + "\n".join(failed)
    assert sum(r["summary"]["passed"] for r in reports) > 50 and done.returncode == 0  # it really scanned the roots


def test_every_skipped_checkov_check_sits_in_one_file_with_its_reason() -> None:
    lines = (INFRA / ".checkov.yaml").read_text().splitlines()
    skipped = [(i, m[1]) for i, line in enumerate(lines) if (m := re.fullmatch(r"\s*- (CKV\w+)", line))]
    assert skipped
    for index, check in skipped:
        comments = []
        for line in reversed(lines[:index]):
            if not line.strip().startswith(("#", "- CKV")):
                break
            comments.append(line)
        assert any(check in c and "(" in c for c in comments if c.strip().startswith("#")), f"{check} has no reason"
    inline = [p for p in INFRA.rglob("*.tf") if "checkov:skip" in p.read_text()]
    assert not inline, f"inline skips outside .checkov.yaml: {inline}"


@pytest.mark.parametrize("root", AWS_ROOTS)
def test_every_aws_root_validates(root: str, terraform_bin: str, plugin_dir: Path, tmp_path: Path) -> None:
    ws = workspace(terraform_bin, plugin_dir, tmp_path / "aws", "aws", root)
    done = ws.run("validate", "-no-color")
    assert "The configuration is valid" in done.stdout


@pytest.mark.parametrize("env", ["dev", "qa", "prod"])
def test_terraform_test_with_a_mocked_provider_passes_for(
    env: str, terraform_bin: str, plugin_dir: Path, tmp_path: Path
) -> None:
    ws = workspace(terraform_bin, plugin_dir, tmp_path / "aws", "aws", "environment")
    done = ws.run("test", "-no-color", *ws.var_files(env), check=False, timeout=600)
    assert done.returncode == 0 and "9 passed, 0 failed" in done.stdout, done.stdout[-6000:] + done.stderr[-2000:]
