output "topic_arn" {
  description = "The environment's alert topic."
  value       = aws_sns_topic.ops.arn
}
