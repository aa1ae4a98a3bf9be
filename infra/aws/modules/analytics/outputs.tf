output "stream_name" {
  description = "The daily-reports stream."
  value       = aws_kinesis_stream.reports.name
}

output "emr_application_id" {
  description = "The Spark application."
  value       = one(aws_emrserverless_application.spark[*].id)
}
