output "lake_url" {
  description = "DATALIVE_LAKE_URL for this environment's deployment."
  value       = "s3://${trimsuffix(var.names["lake_raw"], "-raw")}-{zone}"
}

output "lake_kms_key_id" {
  description = "DATALIVE_LAKE_KMS_KEY_ID: the environment's lake key."
  value       = module.governance.kms_key_id
}

output "lake_buckets" {
  description = "The lake's bucket per zone."
  value       = module.lake.bucket_names
}

output "vpc_id" {
  description = "The environment's VPC."
  value       = module.network.vpc_id
}

output "sns_topic_arn" {
  description = "Where the environment's alarms go."
  value       = module.monitoring.topic_arn
}

output "kinesis_stream" {
  description = "The daily-reports stream."
  value       = module.analytics.stream_name
}
