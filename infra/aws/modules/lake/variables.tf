variable "environment" {
  description = "dev, qa or prod."
  type        = string
}

variable "names" {
  description = "Resource names from da_platform/naming.py (lake_<zone>)."
  type        = map(string)
}

variable "zones" {
  description = "The lake's zones, a bucket each."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "The environment's key: default encryption and the only key writes may name."
  type        = string
}

variable "noncurrent_days" {
  description = "Days a replaced version is kept."
  type        = number
}

variable "raw_expiration_days" {
  description = "Days until raw objects expire; null: never."
  type        = number
}

variable "log_bucket" {
  description = "Where S3 access logs go (the central log bucket)."
  type        = string
}

variable "trusted_principal_id" {
  description = "The environment's account id: principals of any other account are refused."
  type        = string
}
