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


QA_BACKENDS = ("DATALIVE_LAKE_URL", "DATALIVE_VECTOR_DSN", "DATALIVE_MLFLOW_URI_QA", "DATALIVE_SNOWFLAKE_PASSWORD")


@pytest.mark.parametrize("job", ["deploy_branch", "cleanup_branch"])
def test_branch_jobs_reach_qas_backends_through_repository_variables_and_secrets(workflow: dict, job: str) -> None:
    env = workflow["jobs"][job]["env"]
    assert set(QA_BACKENDS) <= set(env)
    for name, value in env.items():
        if name != "DA_ENV":
            assert value.startswith(("${{ vars.", "${{ secrets.")), name
    assert env["DATALIVE_SNOWFLAKE_PASSWORD"].startswith("${{ secrets.")


def test_a_branch_deployment_is_seeded_from_the_sample_under_its_pull_request_id(workflow: dict) -> None:
    seed = [s for s in workflow["jobs"]["deploy_branch"]["steps"] if "datalive run --sample" in s.get("run", "")]
    assert len(seed) == 1
    assert seed[0]["env"]["DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT"] == "true"
    assert seed[0]["env"]["DAGSTER_CLOUD_PULL_REQUEST_ID"] == "${{ github.event.pull_request.number }}"


def test_the_test_job_never_sees_a_backend_so_ci_runs_the_embedded_default(workflow: dict) -> None:
    env = {**workflow.get("env", {}), **workflow["jobs"]["test"].get("env", {})}
    assert not set(QA_BACKENDS) & set(env)
