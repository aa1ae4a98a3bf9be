variable "environment" {
  description = "dev, qa or prod."
  type        = string
}

variable "region" {
  description = "The AWS region (endpoint service names)."
  type        = string
}

variable "names" {
  description = "Resource names from da_platform/naming.py."
  type        = map(string)
}

variable "vpc_cidr" {
  description = "The VPC range."
  type        = string
}

variable "availability_zones" {
  description = "The two AZs."
  type        = list(string)
}

variable "nat_gateway_per_az" {
  description = "A NAT gateway per AZ, or one shared."
  type        = bool
}

variable "kms_key_arn" {
  description = "Key of the flow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Flow-log retention."
  type        = number
}
