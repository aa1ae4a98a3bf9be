variable "environment" {
  description = "dev, qa or prod."
  type        = string
}

variable "names" {
  description = "Resource names from da_platform/naming.py."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "The environment's key (the topic is encrypted with it)."
  type        = string
}

variable "alarm_severity" {
  description = "sev1 (prod) to sev3."
  type        = string
}

variable "stream_name" {
  description = "The stream the alarms watch."
  type        = string
}

variable "iterator_age_ms" {
  description = "Stream-lag alarm threshold."
  type        = number
}

variable "guardduty_frequency" {
  description = "GuardDuty finding publishing frequency."
  type        = string
}

variable "alert_emails" {
  description = "Who is notified."
  type        = list(string)
}

variable "budget_limit_usd" {
  description = "Monthly budget."
  type        = number
}

variable "enable_budget" {
  description = "Create the budget (off under moto)."
  type        = bool
}
