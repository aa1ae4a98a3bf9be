# One environment of DatAlive on Azure. Static checks only on this machine (no azurerm provider offline):
# terraform fmt, checkov and tests/infra/test_azure_static.py.

locals {
  zones   = ["raw", "bronze", "silver", "gold"]
  subnets = { ingesta = 0, compute = 1, data = 2, aux = 3 }
  roles   = { owner = "Owner", contributor = "Contributor", reader = "Reader" }
}

data "azurerm_client_config" "current" {}

resource "azurerm_management_group" "env" {
  name                       = var.names["management_group"]
  display_name               = "DatAlive ${upper(var.environment)}"
  parent_management_group_id = var.parent_management_group_id
  subscription_ids           = [var.subscription_id]
}

resource "azurerm_resource_group" "platform" {
  name     = var.names["resource_group"]
  location = var.region
  tags     = var.tags
}

# --- RBAC: Owner, Contributor and Reader groups, assigned on the environment's resource group ----------

resource "azuread_group" "role" {
  for_each         = local.roles
  display_name     = var.names["group_${each.key}"]
  security_enabled = true
}

resource "azurerm_role_assignment" "group" {
  for_each             = local.roles
  scope                = azurerm_resource_group.platform.id
  role_definition_name = each.value
  principal_id         = azuread_group.role[each.key].object_id
}

# --- Log Analytics, with the subscription's activity log exported to it --------------------------------

resource "azurerm_log_analytics_workspace" "platform" {
  name                = var.names["log_analytics"]
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = var.tags
}

resource "azurerm_monitor_diagnostic_setting" "activity_log" {
  name                       = "${var.names["log_analytics"]}-activity"
  target_resource_id         = "/subscriptions/${var.subscription_id}"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.platform.id
  dynamic "enabled_log" {
    for_each = toset(["Administrative", "Security", "Policy", "Alert", "ServiceHealth"])
    content {
      category = enabled_log.value
    }
  }
}

# --- network: VNet with Ingesta, Compute, Data and Aux subnets, an NSG on every subnet -----------------

resource "azurerm_virtual_network" "main" {
  name                = var.names["vnet"]
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  address_space       = [var.vnet_cidr]
  tags                = var.tags
}

resource "azurerm_subnet" "zone" {
  for_each             = local.subnets
  name                 = var.names["subnet_${each.key}"]
  resource_group_name  = azurerm_resource_group.platform.name
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = [cidrsubnet(var.vnet_cidr, 4, each.value)]

  private_endpoint_network_policies = "Enabled"
  default_outbound_access_enabled   = false

  dynamic "delegation" {
    for_each = each.key == "compute" ? ["databricks"] : []
    content {
      name = "databricks"
      service_delegation {
        name = "Microsoft.Databricks/workspaces"
        actions = [
          "Microsoft.Network/virtualNetworks/subnets/join/action",
          "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
          "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
        ]
      }
    }
  }
}

resource "azurerm_network_security_group" "zone" {
  for_each            = local.subnets
  name                = var.names["nsg_${each.key}"]
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  tags                = var.tags

  security_rule {
    name                       = "deny-internet-inbound"
    priority                   = 4000
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "zone" {
  for_each                  = local.subnets
  subnet_id                 = azurerm_subnet.zone[each.key].id
  network_security_group_id = azurerm_network_security_group.zone[each.key].id
}

# --- Key Vault: RBAC authorisation, soft delete, purge protection, no public network access ------------

resource "azurerm_key_vault" "env" {
  name                          = var.names["key_vault"]
  location                      = azurerm_resource_group.platform.location
  resource_group_name           = azurerm_resource_group.platform.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "premium"
  enable_rbac_authorization     = true
  soft_delete_retention_days    = 90
  purge_protection_enabled      = true
  public_network_access_enabled = false
  tags                          = var.tags

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}

resource "azurerm_key_vault_key" "lake" {
  name            = "${var.names["storage_account"]}-cmk"
  key_vault_id    = azurerm_key_vault.env.id
  key_type        = "RSA-HSM"
  key_size        = 3072
  key_opts        = ["unwrapKey", "wrapKey"]
  expiration_date = "2030-12-31T00:00:00Z"

  rotation_policy {
    expire_after         = "P2Y"
    notify_before_expiry = "P30D"
    automatic {
      time_before_expiry = "P60D"
    }
  }
}

# --- the lake: ADLS Gen2 (hierarchical namespace), a container per zone = abfss://{zone}@<account> ------

resource "azurerm_storage_account" "lake" {
  name                              = var.names["storage_account"]
  location                          = azurerm_resource_group.platform.location
  resource_group_name               = azurerm_resource_group.platform.name
  account_tier                      = "Standard"
  account_kind                      = "StorageV2"
  account_replication_type          = "GZRS"
  is_hns_enabled                    = true
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  public_network_access_enabled     = false
  shared_access_key_enabled         = false
  local_user_enabled                = false
  infrastructure_encryption_enabled = true
  tags                              = var.tags

  identity {
    type = "SystemAssigned"
  }

  blob_properties {
    # Versioning is not offered with a hierarchical namespace: the lake keeps versions as Delta time travel
    # and raw objects are written once; soft delete protects blobs and containers.
    delete_retention_policy {
      days = var.blob_soft_delete_days
    }
    container_delete_retention_policy {
      days = var.blob_soft_delete_days
    }
  }

  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices", "Logging", "Metrics"]
  }

  queue_properties {
    logging {
      delete                = true
      read                  = true
      write                 = true
      version               = "1.0"
      retention_policy_days = 10
    }
  }

  sas_policy {
    expiration_period = "01.00:00:00"
  }

  lifecycle {
    ignore_changes = [customer_managed_key]
  }
}

resource "azurerm_role_assignment" "lake_key" {
  scope                = azurerm_key_vault.env.id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = azurerm_storage_account.lake.identity[0].principal_id
}

resource "azurerm_storage_account_customer_managed_key" "lake" {
  storage_account_id = azurerm_storage_account.lake.id
  key_vault_id       = azurerm_key_vault.env.id
  key_name           = azurerm_key_vault_key.lake.name
  depends_on         = [azurerm_role_assignment.lake_key]
}

# Every read, write and delete of the lake's blobs goes to Log Analytics.
resource "azurerm_monitor_diagnostic_setting" "lake_blobs" {
  name                       = "${var.names["storage_account"]}-blob-logs"
  target_resource_id         = "${azurerm_storage_account.lake.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.platform.id
  dynamic "enabled_log" {
    for_each = toset(["StorageRead", "StorageWrite", "StorageDelete"])
    content {
      category = enabled_log.value
    }
  }
  metric {
    category = "Transaction"
  }
}

resource "azurerm_storage_container" "zone" {
  for_each              = toset(local.zones)
  name                  = each.key
  storage_account_id    = azurerm_storage_account.lake.id
  container_access_type = "private"
}

resource "azurerm_storage_management_policy" "lake" {
  storage_account_id = azurerm_storage_account.lake.id
  rule {
    name    = "noncurrent-cleanup"
    enabled = true
    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["bronze/", "silver/", "gold/"]
    }
    actions {
      base_blob {
        tier_to_cool_after_days_since_modification_greater_than = 90
      }
    }
  }
}

# --- private endpoints for the lake (dfs, blob) and Key Vault, in the Data subnet -----------------------

resource "azurerm_private_endpoint" "lake" {
  for_each            = toset(["dfs", "blob"])
  name                = "${var.names["storage_account"]}-${each.key}-pe"
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  subnet_id           = azurerm_subnet.zone["data"].id
  tags                = var.tags

  private_service_connection {
    name                           = "${var.names["storage_account"]}-${each.key}"
    private_connection_resource_id = azurerm_storage_account.lake.id
    subresource_names              = [each.key]
    is_manual_connection           = false
  }
}

resource "azurerm_private_endpoint" "key_vault" {
  name                = "${var.names["key_vault"]}-pe"
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  subnet_id           = azurerm_subnet.zone["data"].id
  tags                = var.tags

  private_service_connection {
    name                           = "${var.names["key_vault"]}-vault"
    private_connection_resource_id = azurerm_key_vault.env.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}

# --- streams and compute: Event Hubs (Kafka protocol) and Databricks on the Compute subnet --------------

resource "azurerm_eventhub_namespace" "streams" {
  name                          = var.names["eventhub_namespace"]
  location                      = azurerm_resource_group.platform.location
  resource_group_name           = azurerm_resource_group.platform.name
  sku                           = "Standard"
  capacity                      = var.environment == "prod" ? 2 : 1
  local_authentication_enabled  = false
  public_network_access_enabled = false
  minimum_tls_version           = "1.2"
  tags                          = var.tags
}

resource "azurerm_databricks_workspace" "spark" {
  name                          = var.names["databricks"]
  location                      = azurerm_resource_group.platform.location
  resource_group_name           = azurerm_resource_group.platform.name
  sku                           = "premium"
  public_network_access_enabled = false
  tags                          = var.tags

  network_security_group_rules_required = "NoAzureDatabricksRules"
  customer_managed_key_enabled          = true
  infrastructure_encryption_enabled     = true

  custom_parameters {
    no_public_ip                                         = true
    virtual_network_id                                   = azurerm_virtual_network.main.id
    public_subnet_name                                   = azurerm_subnet.zone["aux"].name
    private_subnet_name                                  = azurerm_subnet.zone["compute"].name
    public_subnet_network_security_group_association_id  = azurerm_subnet_network_security_group_association.zone["aux"].id
    private_subnet_network_security_group_association_id = azurerm_subnet_network_security_group_association.zone["compute"].id
  }
}

resource "azurerm_databricks_workspace_root_dbfs_customer_managed_key" "spark" {
  workspace_id     = azurerm_databricks_workspace.spark.id
  key_vault_key_id = azurerm_key_vault_key.lake.id
}

# --- Azure Monitor alerts and the consumption budget ----------------------------------------------------

resource "azurerm_monitor_action_group" "ops" {
  name                = var.names["action_group"]
  resource_group_name = azurerm_resource_group.platform.name
  short_name          = "dqalq${var.environment}"
  tags                = var.tags

  dynamic "email_receiver" {
    for_each = toset(var.alert_emails)
    content {
      name          = replace(email_receiver.value, "/[^a-zA-Z0-9]/", "-")
      email_address = email_receiver.value
    }
  }
}

resource "azurerm_monitor_metric_alert" "lake_availability" {
  name                = "${var.names["action_group"]}-lake-availability"
  resource_group_name = azurerm_resource_group.platform.name
  scopes              = [azurerm_storage_account.lake.id]
  description         = "The lake answers fewer than 99 % of requests"
  severity            = var.alert_severity
  tags                = var.tags

  criteria {
    metric_namespace = "Microsoft.Storage/storageAccounts"
    metric_name      = "Availability"
    aggregation      = "Average"
    operator         = "LessThan"
    threshold        = 99
  }
  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

resource "azurerm_monitor_activity_log_alert" "key_vault_deleted" {
  name                = "${var.names["action_group"]}-kv-delete"
  resource_group_name = azurerm_resource_group.platform.name
  location            = "global"
  scopes              = [azurerm_resource_group.platform.id]
  description         = "Someone deleted the environment's Key Vault"
  tags                = var.tags

  criteria {
    category       = "Administrative"
    operation_name = "Microsoft.KeyVault/vaults/delete"
  }
  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

resource "azurerm_consumption_budget_resource_group" "monthly" {
  name              = var.names["budget"]
  resource_group_id = azurerm_resource_group.platform.id
  amount            = var.budget_amount
  time_grain        = "Monthly"

  time_period {
    start_date = var.budget_start_date
  }
  notification {
    enabled        = true
    operator       = "GreaterThan"
    threshold      = 80
    threshold_type = "Actual"
    contact_emails = var.alert_emails
    contact_groups = [azurerm_monitor_action_group.ops.id]
  }
  notification {
    enabled        = true
    operator       = "GreaterThan"
    threshold      = 100
    threshold_type = "Forecasted"
    contact_emails = var.alert_emails
    contact_groups = [azurerm_monitor_action_group.ops.id]
  }
}
