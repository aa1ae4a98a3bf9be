# dev: cheap and short-lived. Names and tags: dev.names.tfvars.json (generated from da_platform/naming.py).
vpc_cidr                = "10.10.0.0/16"
availability_zones      = ["eu-north-1a", "eu-north-1b"]
nat_gateway_per_az      = false
lake_noncurrent_days    = 30
raw_expiration_days     = 180
log_retention_days      = 30
trail_log_days          = 90
kinesis_retention_hours = 24
emr_max_vcpu            = "8 vCPU"
alarm_severity          = "sev3"
kinesis_iterator_age_ms = 3600000
guardduty_frequency     = "SIX_HOURS"
budget_limit_usd        = 300
