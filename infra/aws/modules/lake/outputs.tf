output "bucket_names" {
  description = "Zone → bucket name."
  value       = { for zone in var.zones : zone => aws_s3_bucket.zone[zone].bucket }
}

output "bucket_arns" {
  description = "The lake's bucket ARNs."
  value       = [for zone in var.zones : aws_s3_bucket.zone[zone].arn]
}

output "encryption" {
  description = "Zone → {algorithm, key} of the default encryption (for terraform test)."
  value = { for zone in var.zones : zone => {
    algorithm = one(aws_s3_bucket_server_side_encryption_configuration.zone[zone].rule).apply_server_side_encryption_by_default[0].sse_algorithm
    key       = one(aws_s3_bucket_server_side_encryption_configuration.zone[zone].rule).apply_server_side_encryption_by_default[0].kms_master_key_id
  } }
}

output "lifecycle_rules" {
  description = "Zone → the ids of its lifecycle rules (for terraform test)."
  value       = { for zone in var.zones : zone => [for rule in aws_s3_bucket_lifecycle_configuration.zone[zone].rule : rule.id] }
}

output "versioning" {
  description = "Zone → versioning status."
  value       = { for zone in var.zones : zone => aws_s3_bucket_versioning.zone[zone].versioning_configuration[0].status }
}
