# qa: branch deployments share it (a pr-<N>/ prefix each). Names and tags: qa.names.tfvars.json.
vpc_cidr                = "10.20.0.0/16"
availability_zones      = ["eu-north-1a", "eu-north-1b"]
nat_gateway_per_az      = false
lake_noncurrent_days    = 60
raw_expiration_days     = 365
log_retention_days      = 90
trail_log_days          = 365
kinesis_retention_hours = 48
emr_max_vcpu            = "16 vCPU"
alarm_severity          = "sev2"
kinesis_iterator_age_ms = 1800000
guardduty_frequency     = "ONE_HOUR"
budget_limit_usd        = 800
peer_environments       = []
