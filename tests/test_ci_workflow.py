"""The GitHub Actions workflow deploys main to prod, each PR to a branch deployment, and cleans up on close."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "dagster-cloud.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads the bare key `on` as True


def test_pushes_to_main_and_every_pull_request_event_trigger_it(workflow: dict) -> None:
    triggers = _triggers(workflow)
    assert triggers["push"]["branches"] == ["main"]
    assert set(triggers["pull_request"]["types"]) == {"opened", "synchronize", "reopened", "closed"}


def test_prod_is_deployed_only_from_main_after_the_tests(workflow: dict) -> None:
    job = workflow["jobs"]["deploy_prod"]
    assert "refs/heads/main" in job["if"] and job["needs"] == "test"
    assert any(step.get("with", {}).get("deployment") == "prod" for step in job["steps"])


def test_a_pull_request_gets_its_own_branch_deployment_not_prod(workflow: dict) -> None:
    job = workflow["jobs"]["deploy_branch"]
    assert "pull_request" in job["if"] and "closed" in job["if"]
    assert not any(step.get("with", {}).get("deployment") == "prod" for step in job["steps"])


def test_closing_a_pull_request_drops_that_pull_requests_resources(workflow: dict) -> None:
    job = workflow["jobs"]["cleanup_branch"]
    assert "== 'closed'" in job["if"]
    assert job["env"]["DA_ENV"] == "qa"
    commands = " ".join(step.get("run", "") for step in job["steps"])
    assert "datalive cleanup --pr ${{ github.event.pull_request.number }} --yes" in commands


def test_secrets_come_from_the_repository_secrets_never_literals(workflow: dict) -> None:
    assert workflow["env"]["DAGSTER_CLOUD_API_TOKEN"] == "${{ secrets.DAGSTER_CLOUD_API_TOKEN }}"
