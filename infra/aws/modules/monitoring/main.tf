# Phase 14: an SNS topic per environment (KMS), CloudWatch alarms whose severity depends on the environment,
# GuardDuty; phase 4: a monthly budget with alerts at 80 % (actual) and 100 % (forecast).

resource "aws_sns_topic" "ops" {
  name              = var.names["sns_topic"]
  kms_master_key_id = var.kms_key_arn
  tags              = { Severity = var.alarm_severity }
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alert_emails)
  topic_arn = aws_sns_topic.ops.arn
  protocol  = "email"
  endpoint  = each.key
}

resource "aws_cloudwatch_metric_alarm" "stream_lag" {
  alarm_name          = "${var.names["sns_topic"]}-${var.alarm_severity}-stream-lag"
  alarm_description   = "${var.alarm_severity}: daily reports wait on ${var.stream_name} longer than the threshold"
  namespace           = "AWS/Kinesis"
  metric_name         = "GetRecords.IteratorAgeMilliseconds"
  dimensions          = { StreamName = var.stream_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = var.environment == "prod" ? 1 : 3
  threshold           = var.iterator_age_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.ops.arn]
  ok_actions          = [aws_sns_topic.ops.arn]
  tags                = { Severity = var.alarm_severity }
}

resource "aws_cloudwatch_metric_alarm" "stream_write_throttled" {
  alarm_name          = "${var.names["sns_topic"]}-${var.alarm_severity}-stream-throttled"
  alarm_description   = "${var.alarm_severity}: writes to ${var.stream_name} are throttled"
  namespace           = "AWS/Kinesis"
  metric_name         = "WriteProvisionedThroughputExceeded"
  dimensions          = { StreamName = var.stream_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.ops.arn]
  tags                = { Severity = var.alarm_severity }
}

resource "aws_guardduty_detector" "main" {
  enable                       = true
  finding_publishing_frequency = var.guardduty_frequency
}

resource "aws_budgets_budget" "monthly" {
  count        = var.enable_budget ? 1 : 0
  name         = var.names["budget"]
  budget_type  = "COST"
  limit_amount = tostring(var.budget_limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  cost_filter {
    name   = "TagKeyValue"
    values = ["user:Environment$${var.environment}"]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_sns_topic_arns  = [aws_sns_topic.ops.arn]
    subscriber_email_addresses = var.alert_emails
  }
  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_sns_topic_arns  = [aws_sns_topic.ops.arn]
    subscriber_email_addresses = var.alert_emails
  }
}
