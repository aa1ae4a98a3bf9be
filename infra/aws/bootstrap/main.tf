# Applied once per environment, before anything else, with local state (kept by the platform team):
# the environment's own Terraform state bucket (versioned, SSE-KMS, public access blocked). The environment
# root then locks with S3's native lock file (use_lockfile), so no DynamoDB table is needed.

terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = var.tags
  }
}

variable "environment" {
  description = "dev, qa or prod."
  type        = string
  validation {
    condition     = contains(["dev", "qa", "prod"], var.environment)
    error_message = "environment must be one of dev, qa, prod."
  }
}

variable "region" {
  description = "The AWS region."
  type        = string
}

variable "names" {
  description = "Names from envs/<env>.names.tfvars.json (state_bucket)."
  type        = map(string)
  validation {
    condition     = can(regex("^dqalq-tfstate-${var.environment}-", var.names["state_bucket"]))
    error_message = "the state bucket must be this environment's own (dqalq-tfstate-<environment>-...)."
  }
}

variable "tags" {
  description = "The mandatory tags."
  type        = map(string)
}

data "aws_caller_identity" "current" {}

# Only the environment's account (its administrators, through IAM) uses the state key.
data "aws_iam_policy_document" "state_key" {
  statement {
    sid = "TheEnvironmentsAccountOnly"
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
    actions   = ["kms:*"]
    resources = ["*"]
  }
}

resource "aws_kms_key" "state" {
  description             = "Terraform state of ${var.environment}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_s3_bucket" "state" {
  bucket = var.names["state_bucket"]
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 365
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

output "state_bucket" {
  description = "Put in envs/<env>.backend.hcl (scripts/infra_names.py writes the same name)."
  value       = aws_s3_bucket.state.id
}
