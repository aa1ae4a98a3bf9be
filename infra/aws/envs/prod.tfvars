# prod: raw never expires, a NAT per AZ, sev1 alarms. Names and tags: prod.names.tfvars.json.
vpc_cidr                = "10.30.0.0/16"
availability_zones      = ["eu-north-1a", "eu-north-1b"]
nat_gateway_per_az      = true
lake_noncurrent_days    = 365
raw_expiration_days     = null
log_retention_days      = 365
trail_log_days          = 2555
kinesis_retention_hours = 168
emr_max_vcpu            = "64 vCPU"
alarm_severity          = "sev1"
kinesis_iterator_age_ms = 300000
guardduty_frequency     = "FIFTEEN_MINUTES"
budget_limit_usd        = 5000
