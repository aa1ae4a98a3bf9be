"""Every name in infra/ is naming.py's, and the runtime's buckets and containers are infra's."""

from __future__ import annotations

import json
import re

import pytest

from da_platform.infra_names import infra_names, lake_url
from da_platform.lakehouse import object_lake
from da_platform.lakehouse.object_lake import ZONES, _zone_roots, named_environments
from da_platform.naming import NAME_PATTERN
from scripts.infra_names import main as write_names
from tests.infra.terraform import INFRA
from tests.integration.object_stores import AzureStack, S3Stack

pytestmark = pytest.mark.infra

ENVS = ("dev", "qa", "prod")
README = INFRA.parent / "README.md"


def test_the_generated_names_and_backend_files_are_up_to_date_with_naming_py(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert write_names(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("cloud", ["aws", "azure"])
@pytest.mark.parametrize("env", ENVS)
def test_every_name_follows_the_standard_and_names_its_environment_only(cloud: str, env: str) -> None:
    values = json.loads((INFRA / cloud / "envs" / f"{env}.names.tfvars.json").read_text())
    assert values["environment"] == env and values["tags"]["Environment"] == env
    for key, name in values["names"].items():
        if key in ("role_admin", "role_readonly"):
            assert name in ("dqalq-admin", "dqalq-readonly")  # one per account, as the plan names them
        elif re.fullmatch(r"[a-z0-9]+", name):
            assert 3 <= len(name) <= 24 and name.endswith(env), (key, name)
        else:
            assert NAME_PATTERN.fullmatch(name.replace("_", "-")), (key, name)
            assert named_environments(name.replace("_", "-")) == {env}, (key, name)


@pytest.mark.parametrize("env", ENVS)
def test_the_runtimes_s3_buckets_are_the_ones_terraform_creates(env: str) -> None:
    names = infra_names("aws", env)["names"]
    buckets = {zone: names[f"lake_{zone}"] for zone in ZONES}
    roots = _zone_roots(lake_url("aws", env), env)  # what the runtime derives from DATALIVE_LAKE_URL
    assert roots == {zone: f"s3://{bucket}" for zone, bucket in buckets.items()}
    readme_form = "s3://dqalq-lake-prod-eu-north-1-{zone}"  # README "Environments" and object_lake's docstring
    assert lake_url("aws", "prod") == readme_form
    assert readme_form in README.read_text() and readme_form in (object_lake.__doc__ or "")
    stand_in = S3Stack("http://unused", {}, {})  # the integration tests' stand-in for what Terraform creates
    assert all(stand_in.bucket(env, zone) == bucket for zone, bucket in buckets.items())
    assert stand_in.lake_url(env) == lake_url("aws", env)


@pytest.mark.parametrize("env", ENVS)
def test_the_runtimes_adls_account_and_containers_are_the_ones_terraform_creates(env: str) -> None:
    account = infra_names("azure", env)["names"]["storage_account"]
    roots = _zone_roots(lake_url("azure", env), env)
    assert roots == {zone: f"abfss://{zone}@{account}.dfs.core.windows.net" for zone in ZONES}
    assert lake_url("azure", "prod") == "abfss://{zone}@dqalqlakeprod.dfs.core.windows.net"
    azure_form = "abfss://{zone}@dqalqlakeprod.dfs.core.windows.net"
    assert azure_form in README.read_text() and azure_form in (object_lake.__doc__ or "")
    assert AzureStack("http://unused", {}, {}).account(env) == account


@pytest.mark.parametrize("cloud", ["aws", "azure"])
@pytest.mark.parametrize("env", ENVS)
def test_each_environment_keeps_its_state_in_its_own_store(cloud: str, env: str) -> None:
    text = (INFRA / cloud / "envs" / f"{env}.backend.hcl").read_text()
    values = dict(re.findall(r'^(\w+) = "([^"]+)"$', text, flags=re.M))
    store = values.get("bucket") or values["storage_account_name"]
    assert named_environments(store) == {env}, store
    assert values["key"] == f"environment/{env}.tfstate"
    if cloud == "aws":
        assert "use_lockfile = true" in text and "encrypt = true" in text


def test_no_two_environments_share_a_state_store() -> None:
    stores = [
        (INFRA / cloud / "envs" / f"{env}.backend.hcl").read_text().split("\n", 1)[1]
        for cloud in ("aws", "azure")
        for env in ENVS
    ]
    assert len(set(stores)) == 6


def test_terraform_builds_no_environment_name_itself() -> None:
    # The organization root is the management account's, for no environment: its SCPs are named once there.
    paths = [p for p in (INFRA / "aws").rglob("*.tf") if "organization" not in p.parts]
    assert paths
    for path in paths:
        for line in path.read_text().splitlines():
            if re.match(r"\s*(name|bucket|alarm_name)\s*=", line) and '"dqalq' in line:
                raise AssertionError(f"{path.relative_to(INFRA)} builds a name itself: {line.strip()}")
