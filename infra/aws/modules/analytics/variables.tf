variable "environment" {
  description = "dev, qa or prod."
  type        = string
}

variable "names" {
  description = "Resource names from da_platform/naming.py."
  type        = map(string)
}

variable "zones" {
  description = "The lake's zones, a Glue database each."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "The environment's key."
  type        = string
}

variable "runtime_role_name" {
  description = "The pipeline's role, given the lake, key, catalog and stream."
  type        = string
}

variable "lake_bucket_arns" {
  description = "The lake's buckets."
  type        = list(string)
}

variable "kinesis_retention_hours" {
  description = "Stream retention."
  type        = number
}

variable "emr_max_vcpu" {
  description = "EMR Serverless maximum capacity, e.g. \"16 vCPU\"."
  type        = string
  validation {
    condition     = can(regex("^[0-9]+ vCPU$", var.emr_max_vcpu))
    error_message = "emr_max_vcpu must look like \"16 vCPU\"."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the Spark workers."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the Spark workers."
  type        = string
}

variable "noncurrent_days" {
  description = "Retention of Spark logs."
  type        = number
}

variable "log_bucket" {
  description = "Where S3 access logs go."
  type        = string
}

variable "enable_emr_application" {
  description = "Create the EMR Serverless application (off under moto)."
  type        = bool
}
