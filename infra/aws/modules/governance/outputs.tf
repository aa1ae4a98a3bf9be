output "kms_key_arn" {
  description = "The environment's key."
  value       = aws_kms_key.env.arn
}

output "kms_key_id" {
  description = "The environment's key id (DATALIVE_LAKE_KMS_KEY_ID)."
  value       = aws_kms_key.env.key_id
}

output "trail_bucket" {
  description = "The central log bucket (CloudTrail, S3 access logs), once its policy lets S3 logging write."
  value       = aws_s3_bucket_policy.trail.bucket
}

output "account_id" {
  description = "The environment's account."
  value       = data.aws_caller_identity.current.account_id
}

output "runtime_role_name" {
  description = "The pipeline's role."
  value       = aws_iam_role.runtime.name
}

output "key_rotation" {
  description = "Whether the environment's key rotates."
  value       = aws_kms_key.env.enable_key_rotation
}

output "trail" {
  description = "Multi-region, log-file validation and key of the trail."
  value = {
    multi_region = aws_cloudtrail.all.is_multi_region_trail
    validation   = aws_cloudtrail.all.enable_log_file_validation
    kms_key_id   = aws_cloudtrail.all.kms_key_id
  }
}
