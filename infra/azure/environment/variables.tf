variable "environment" {
  description = "dev, qa or prod: the environment this state describes."
  type        = string
  validation {
    condition     = contains(["dev", "qa", "prod"], var.environment)
    error_message = "environment must be one of dev, qa, prod."
  }
}

variable "region" {
  description = "The Azure region (part of every name), e.g. swedencentral."
  type        = string
}

variable "subscription_id" {
  description = "The environment's subscription."
  type        = string
}

variable "names" {
  description = "Every resource name, generated from da_platform/naming.py into envs/<env>.names.tfvars.json."
  type        = map(string)
  validation {
    condition = alltrue([
      for key, name in var.names : contains(["storage_account", "key_vault", "state_account"], key)
      ? can(regex("^dqalq[a-z0-9]+${var.environment}$", name))
      : can(regex("^dqalq-[a-z0-9]+-${var.environment}-${var.region}-[a-z0-9-]+$", name))
    ])
    error_message = "every name must be dqalq-<service>-<environment>-<region>-<suffix>, or dqalq<service><environment> for storage accounts and Key Vaults, of this root's environment."
  }
  validation {
    condition     = alltrue([for key in ["storage_account", "key_vault", "state_account"] : length(var.names[key]) >= 3 && length(var.names[key]) <= 24])
    error_message = "storage account and Key Vault names must be 3 to 24 characters."
  }
}

variable "tags" {
  description = "The mandatory tags (Environment, Owner, CostCenter, Project), from da_platform/naming.py."
  type        = map(string)
  validation {
    condition     = alltrue([for tag in ["Environment", "Owner", "CostCenter", "Project"] : trimspace(lookup(var.tags, tag, "")) != ""])
    error_message = "tags must carry Environment, Owner, CostCenter and Project, none empty."
  }
  validation {
    condition     = lookup(var.tags, "Environment", "") == var.environment
    error_message = "the Environment tag must equal the environment of this root."
  }
}

variable "parent_management_group_id" {
  description = "The tenant's DatAlive management group, parent of the environment's."
  type        = string
}

variable "vnet_cidr" {
  description = "The environment's address space."
  type        = string
}

variable "blob_soft_delete_days" {
  description = "Days deleted blobs and containers can be restored."
  type        = number
}

variable "log_retention_days" {
  description = "Log Analytics retention."
  type        = number
}

variable "budget_amount" {
  description = "Monthly consumption budget of the resource group."
  type        = number
}

variable "budget_start_date" {
  description = "First month of the budget (RFC 3339, first of a month)."
  type        = string
}

variable "alert_emails" {
  description = "Who the action group and the budget notify."
  type        = list(string)
}

variable "alert_severity" {
  description = "Azure Monitor severity of the environment's alerts: 0 (prod) to 4."
  type        = number
}
