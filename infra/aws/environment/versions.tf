terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
  # Partial configuration: `terraform init -backend-config=../envs/<env>.backend.hcl` picks the
  # environment's own state bucket (S3, native lock file). No environment shares another's state.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  # Every taggable resource carries the four mandatory tags from da_platform/naming.py.
  default_tags {
    tags = var.tags
  }

  # Only the moto run sets an endpoint; a real deployment leaves it null and reaches AWS.
  s3_use_path_style           = var.aws_endpoint != null
  skip_credentials_validation = var.aws_endpoint != null
  skip_metadata_api_check     = var.aws_endpoint != null
  skip_requesting_account_id  = false

  endpoints {
    budgets        = var.aws_endpoint
    cloudtrail     = var.aws_endpoint
    cloudwatch     = var.aws_endpoint
    cloudwatchlogs = var.aws_endpoint
    ec2            = var.aws_endpoint
    emrserverless  = var.aws_endpoint
    glue           = var.aws_endpoint
    guardduty      = var.aws_endpoint
    iam            = var.aws_endpoint
    kinesis        = var.aws_endpoint
    kms            = var.aws_endpoint
    s3             = var.aws_endpoint
    sns            = var.aws_endpoint
    sts            = var.aws_endpoint
  }
}
