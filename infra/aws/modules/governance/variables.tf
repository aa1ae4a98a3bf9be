variable "environment" {
  description = "dev, qa or prod."
  type        = string
}

variable "names" {
  description = "Resource names from da_platform/naming.py."
  type        = map(string)
}

variable "trail_log_days" {
  description = "Days CloudTrail logs are kept."
  type        = number
}

variable "lake_buckets" {
  description = "The lake's bucket names, whose object-level events the trail records."
  type        = list(string)
}
