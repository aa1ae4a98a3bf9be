"""Azure has no provider or emulator offline: its root is checked statically (python-hcl2), beyond fmt and
checkov — names and tags from naming.py, purge protection, HNS, private endpoints, an NSG on every subnet,
no public blob access."""

from __future__ import annotations

import json
import re

import pytest

from da_platform.infra_names import AZURE_SUBNETS, infra_names
from da_platform.lakehouse.object_lake import ZONES
from tests.infra.hcl import load_root
from tests.infra.terraform import INFRA

pytestmark = pytest.mark.infra

# azurerm types without a tags argument (children of a tagged parent, or global objects).
UNTAGGABLE = {
    "azuread_group", "azurerm_role_assignment", "azurerm_monitor_diagnostic_setting", "azurerm_subnet",
    "azurerm_subnet_network_security_group_association", "azurerm_key_vault_key", "azurerm_storage_container",
    "azurerm_storage_management_policy", "azurerm_storage_account_customer_managed_key",
    "azurerm_consumption_budget_resource_group", "azurerm_management_group",
    "azurerm_databricks_workspace_root_dbfs_customer_managed_key",
}  # fmt: skip


@pytest.fixture(scope="module")
def root() -> dict:
    return load_root("azure", "environment")


def _only(root: dict, kind: str) -> dict:
    (resource,) = root["resources"][kind].values()
    return resource


def test_key_vault_has_purge_protection_soft_delete_rbac_and_no_public_access(root: dict) -> None:
    vault = _only(root, "azurerm_key_vault")
    assert vault["purge_protection_enabled"] is True and vault["soft_delete_retention_days"] >= 7
    assert vault["enable_rbac_authorization"] is True
    assert vault["public_network_access_enabled"] is False
    assert vault["network_acls"][0]["default_action"] == "Deny"


def test_the_lake_is_adls_gen2_without_public_blob_access(root: dict) -> None:
    account = _only(root, "azurerm_storage_account")
    assert account["is_hns_enabled"] is True and account["account_kind"] == "StorageV2"
    assert account["allow_nested_items_to_be_public"] is False
    assert account["public_network_access_enabled"] is False and account["shared_access_key_enabled"] is False
    assert account["blob_properties"][0]["delete_retention_policy"][0]["days"] == "${var.blob_soft_delete_days}"
    containers = _only(root, "azurerm_storage_container")
    assert containers["for_each"] == "${toset(local.zones)}" and containers["container_access_type"] == "private"
    assert tuple(root["locals"]["zones"]) == ZONES  # the runtime's zones (abfss://{zone}@…)


def test_every_subnet_has_its_own_network_security_group(root: dict) -> None:
    subnets = root["locals"]["subnets"]
    assert set(subnets) == set(AZURE_SUBNETS) == {"ingesta", "compute", "data", "aux"}
    for kind in (
        "azurerm_subnet",
        "azurerm_network_security_group",
        "azurerm_subnet_network_security_group_association",
    ):
        assert _only(root, kind)["for_each"] == "${local.subnets}", kind
    association = _only(root, "azurerm_subnet_network_security_group_association")
    assert association["subnet_id"] == "${azurerm_subnet.zone[each.key].id}"
    assert association["network_security_group_id"] == "${azurerm_network_security_group.zone[each.key].id}"


def test_storage_and_key_vault_are_reached_through_private_endpoints_in_the_data_subnet(root: dict) -> None:
    endpoints = root["resources"]["azurerm_private_endpoint"]
    lake, vault = endpoints["lake"], endpoints["key_vault"]
    assert lake["for_each"] == '${toset(["dfs", "blob"])}'
    assert (
        lake["private_service_connection"][0]["private_connection_resource_id"] == "${azurerm_storage_account.lake.id}"
    )
    assert vault["private_service_connection"][0]["subresource_names"] == ["vault"]
    assert {lake["subnet_id"], vault["subnet_id"]} == {'${azurerm_subnet.zone["data"].id}'}


def test_databricks_runs_on_the_compute_subnet_without_public_ips(root: dict) -> None:
    workspace = _only(root, "azurerm_databricks_workspace")["custom_parameters"][0]
    assert workspace["private_subnet_name"] == '${azurerm_subnet.zone["compute"].name}'
    assert workspace["no_public_ip"] is True


def test_every_taggable_resource_carries_the_mandatory_tags(root: dict) -> None:
    for kind, named in root["resources"].items():
        for name, resource in named.items():
            if kind not in UNTAGGABLE:
                assert resource.get("tags") == "${var.tags}", f"{kind}.{name} has no tags = var.tags"


def test_every_name_comes_from_the_generated_names_file(root: dict) -> None:
    for kind, named in root["resources"].items():
        for name, resource in named.items():
            value = resource.get("name") or resource.get("display_name")
            if value is None or kind in {"azurerm_storage_container"}:
                continue  # containers are named after the zones
            if kind.startswith("azurerm_monitor_diagnostic") or kind in {
                "azurerm_key_vault_key",
                "azurerm_private_endpoint",
            }:
                assert "var.names[" in value, f"{kind}.{name}"
                continue
            assert re.fullmatch(r'\$\{var\.names\["[a-z_]+(\$\{each\.key\})?"\]\}', value) or "var.names[" in value, (
                f"{kind}.{name} is named {value!r}, not from var.names"
            )


@pytest.mark.parametrize("env", ["dev", "qa", "prod"])
def test_the_names_file_gives_storage_and_key_vault_names_of_3_to_24_characters(env: str) -> None:
    names = json.loads((INFRA / "azure" / "envs" / f"{env}.names.tfvars.json").read_text())["names"]
    for key in ("storage_account", "key_vault", "state_account"):
        assert re.fullmatch(r"[a-z0-9]{3,24}", names[key]), (key, names[key])
    assert names == infra_names("azure", env)["names"]


def test_the_names_variable_refuses_a_name_over_the_limit_or_of_another_environment(root: dict) -> None:
    rules = " ".join(v["condition"] for v in root["variables"]["names"]["validation"])
    assert "length(var.names[key]) <= 24" in rules and "${var.environment}" in rules
    tag_rules = " ".join(v["condition"] for v in root["variables"]["tags"]["validation"])
    assert all(tag in tag_rules for tag in ("Environment", "Owner", "CostCenter", "Project"))
