output "bucket_names" {
  description = "Zone → bucket name."
  value       = { for zone in var.zones : zone => aws_s3_bucket.zone[zone].id }
}

output "bucket_arns" {
  description = "The lake's bucket ARNs."
  value       = [for zone in var.zones : aws_s3_bucket.zone[zone].arn]
}
