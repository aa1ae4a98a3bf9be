"""Fixtures of the infra tests: the terraform binary and the offline AWS provider, or a clear skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.terraform import PLUGIN_ROOTS, find_plugin_dir, find_terraform

CHECKOV = Path(__file__).resolve().parents[2] / ".tools" / "checkov" / "bin" / "checkov"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--tf-plugin-dir",
        default=None,
        help="root of a Terraform plugin folder holding registry.terraform.io/hashicorp/aws (make test-infra finds it)",
    )


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    binary = find_terraform()
    if binary is None:
        pytest.skip("terraform is not on PATH: fmt, validate, terraform test and the moto apply are skipped")
    return binary


@pytest.fixture(scope="session")
def plugin_dir(request: pytest.FixtureRequest, terraform_bin: str) -> Path:
    explicit = request.config.getoption("--tf-plugin-dir")
    found = find_plugin_dir(explicit)
    if found is None:
        searched = explicit or ", ".join(str(p) for p in PLUGIN_ROOTS)
        pytest.skip(
            f"no AWS provider plugin folder found (searched {searched}): "
            "validate, terraform test and the moto apply are skipped"
        )
    return found
