# One environment of DatAlive on AWS: governance, network, lake, catalog, stream, compute, monitoring, budget.
# Apply per environment with its own tfvars, names file and state (see infra/README.md).

module "governance" {
  source         = "../modules/governance"
  environment    = var.environment
  names          = var.names
  trail_log_days = var.trail_log_days
  lake_buckets   = [for zone in local.zones : var.names["lake_${zone}"]]
}

module "network" {
  source             = "../modules/network"
  environment        = var.environment
  region             = var.region
  names              = var.names
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  nat_gateway_per_az = var.nat_gateway_per_az
  kms_key_arn        = module.governance.kms_key_arn
  log_retention_days = var.log_retention_days
}

module "lake" {
  source               = "../modules/lake"
  environment          = var.environment
  names                = var.names
  zones                = local.zones
  kms_key_arn          = module.governance.kms_key_arn
  noncurrent_days      = var.lake_noncurrent_days
  raw_expiration_days  = var.raw_expiration_days
  log_bucket           = module.governance.trail_bucket
  trusted_principal_id = module.governance.account_id
}

module "analytics" {
  source                  = "../modules/analytics"
  environment             = var.environment
  names                   = var.names
  zones                   = local.zones
  kms_key_arn             = module.governance.kms_key_arn
  runtime_role_name       = module.governance.runtime_role_name
  lake_bucket_arns        = module.lake.bucket_arns
  kinesis_retention_hours = var.kinesis_retention_hours
  emr_max_vcpu            = var.emr_max_vcpu
  subnet_ids              = module.network.private_subnet_ids
  security_group_id       = module.network.compute_security_group_id
  noncurrent_days         = var.lake_noncurrent_days
  log_bucket              = module.governance.trail_bucket
  enable_emr_application  = var.enable_emr_application
}

module "monitoring" {
  source              = "../modules/monitoring"
  environment         = var.environment
  names               = var.names
  kms_key_arn         = module.governance.kms_key_arn
  alarm_severity      = var.alarm_severity
  stream_name         = module.analytics.stream_name
  iterator_age_ms     = var.kinesis_iterator_age_ms
  guardduty_frequency = var.guardduty_frequency
  alert_emails        = var.alert_emails
  budget_limit_usd    = var.budget_limit_usd
  enable_budget       = var.enable_budget
}

locals {
  zones = ["raw", "bronze", "silver", "gold"]
}
