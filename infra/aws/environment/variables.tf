variable "environment" {
  description = "dev, qa or prod: the environment this state describes."
  type        = string
  validation {
    condition     = contains(["dev", "qa", "prod"], var.environment)
    error_message = "environment must be one of dev, qa, prod."
  }
}

variable "region" {
  description = "The AWS region of the environment (part of every name)."
  type        = string
  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region such as eu-north-1."
  }
}

variable "names" {
  description = "Every resource name, generated from da_platform/naming.py into envs/<env>.names.tfvars.json."
  type        = map(string)
  validation {
    # A qa root pointed at prod's buckets (or any other environment's names) is refused here.
    condition = alltrue([
      for key, name in var.names : contains(["role_admin", "role_readonly"], key) || can(regex(
        "^dqalq[-_][a-z0-9]+[-_]${var.environment}[-_]${replace(var.region, "-", "[-_]")}[-_][a-z0-9_-]+$", name
      ))
    ])
    error_message = "every name must follow dqalq-<service>-<environment>-<region>-<suffix> for this root's environment and region (is a names file of another environment in use?)."
  }
  validation {
    condition     = alltrue([for name in values(var.names) : length(name) <= 63])
    error_message = "a name is longer than 63 characters (the S3 bucket limit)."
  }
  validation {
    condition = alltrue([for key in [
      "kms_key", "trail", "trail_bucket", "vpc", "sg_endpoints", "sg_compute", "kinesis_stream", "emr_app",
      "emr_role", "emr_logs_bucket", "sns_topic", "budget", "group_admin", "group_poweruser", "group_readonly",
      "lake_raw", "lake_bronze", "lake_silver", "lake_gold", "glue_raw", "glue_bronze", "glue_silver",
      "glue_gold", "role_admin", "role_readonly", "flow_logs",
    ] : contains(keys(var.names), key)])
    error_message = "the names file lacks a name: regenerate it with scripts/infra_names.py."
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

variable "vpc_cidr" {
  description = "The environment's VPC range (never overlapping another environment's)."
  type        = string
}

variable "availability_zones" {
  description = "Two availability zones for the public and private subnets."
  type        = list(string)
  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "the network spans exactly two availability zones."
  }
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per AZ (prod) or a single shared one (dev, qa)."
  type        = bool
}

variable "peer_environments" {
  description = "Environments whose VPCs this one may peer with (qa and prod never peer)."
  type        = list(string)
  default     = []
  validation {
    condition     = !(var.environment == "qa" && contains(var.peer_environments, "prod")) && !(var.environment == "prod" && contains(var.peer_environments, "qa"))
    error_message = "QA never peers with PROD."
  }
}

variable "lake_noncurrent_days" {
  description = "Days a replaced object version is kept in the lake."
  type        = number
}

variable "raw_expiration_days" {
  description = "Days after which raw objects expire; null: raw never expires (required in prod)."
  type        = number
  default     = null
  validation {
    condition     = !(var.environment == "prod" && var.raw_expiration_days != null)
    error_message = "raw never expires in prod: raw_expiration_days must be null there."
  }
}

variable "log_retention_days" {
  description = "Retention of CloudWatch log groups (flow logs, EMR)."
  type        = number
}

variable "trail_log_days" {
  description = "Days CloudTrail logs stay in the central log bucket."
  type        = number
}

variable "kinesis_retention_hours" {
  description = "How long the daily-reports stream keeps records."
  type        = number
}

variable "emr_max_vcpu" {
  description = "Maximum vCPU of the EMR Serverless Spark application."
  type        = string
}

variable "alarm_severity" {
  description = "Severity label of the environment's alarms (prod pages: sev1)."
  type        = string
  validation {
    condition     = contains(["sev1", "sev2", "sev3"], var.alarm_severity)
    error_message = "alarm_severity must be sev1, sev2 or sev3."
  }
}

variable "kinesis_iterator_age_ms" {
  description = "Alarm threshold: the oldest unread record on the stream, in milliseconds."
  type        = number
}

variable "guardduty_frequency" {
  description = "How often GuardDuty publishes findings (FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS)."
  type        = string
}

variable "alert_emails" {
  description = "Who the SNS topic and the budget notify."
  type        = list(string)
  default     = []
}

variable "budget_limit_usd" {
  description = "The environment's monthly budget in USD."
  type        = number
}

variable "enable_budget" {
  description = "Create the AWS Budget (aws_budgets_budget hangs the provider under moto_server: the moto run turns it off)."
  type        = bool
  default     = true
}

variable "aws_endpoint" {
  description = "Only for the moto_server test run: one endpoint for every AWS API. Null for AWS itself."
  type        = string
  default     = null
}

variable "enable_emr_application" {
  description = "Create the EMR Serverless application (moto_server creates it STARTED where the provider waits for CREATED: the moto run turns it off)."
  type        = bool
  default     = true
}
