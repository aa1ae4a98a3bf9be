"""The naming standard and mandatory tags (plan, phase 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from da_platform.env import load_settings
from da_platform.naming import MANDATORY_TAGS, NAME_PATTERN, mandatory_tags, resource_name


def test_resource_name_follows_the_standard(tmp_path: Path) -> None:
    settings = load_settings({"DA_ENV": "prod", "DATALIVE_REGION": "eu-west-1"}, cwd=tmp_path)
    name = resource_name(settings, "lake", "raw")
    assert name == "dqalq-lake-prod-eu-west-1-raw"
    assert NAME_PATTERN.fullmatch(name)


def test_branch_deployment_names_carry_the_pull_request(tmp_path: Path) -> None:
    settings = load_settings(
        {"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "true", "DAGSTER_CLOUD_PULL_REQUEST_ID": "42"}, cwd=tmp_path
    )
    assert resource_name(settings, "vector", "rag") == "dqalq-vector-qa-eu-north-1-rag-pr42"


@pytest.mark.parametrize("service", ["Lake", "lake_store", "lake-store", ""])
def test_resource_name_rejects_services_outside_the_standard(tmp_path: Path, service: str) -> None:
    with pytest.raises(ValueError, match="service"):
        resource_name(load_settings({}, cwd=tmp_path), service, "raw")


def test_mandatory_tags_are_all_present_and_name_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {"DA_ENV": "qa", "DATALIVE_OWNER": "prod-eng", "DATALIVE_COST_CENTER": "cc-42"}, cwd=tmp_path
    )
    tags = mandatory_tags(settings)
    assert tuple(tags) == MANDATORY_TAGS
    assert tags == {"Environment": "qa", "Owner": "prod-eng", "CostCenter": "cc-42", "Project": "DatAlive"}


def test_compact_names_are_the_runtimes_azure_account_and_refuse_a_name_over_24_characters(tmp_path: Path) -> None:
    from da_platform.naming import compact_name

    assert compact_name(load_settings({"DA_ENV": "prod"}, cwd=tmp_path), "lake") == "dqalqlakeprod"
    with pytest.raises(ValueError, match="3 to 24"):
        compact_name(load_settings({"DA_ENV": "prod"}, cwd=tmp_path), "keyvaultservices")  # 25 with prefix and env
    with pytest.raises(ValueError, match="service"):
        compact_name(load_settings({}, cwd=tmp_path), "key-vault")
