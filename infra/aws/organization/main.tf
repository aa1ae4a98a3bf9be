# The management account's own root, applied once (not per environment): OUs Platform, DEV, QA and PROD, and
# service control policies: an environment's accounts cannot write another environment's buckets, leave the
# allowed regions, or use the root user's access keys.

terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
  backend "s3" {}
}

provider "aws" {
  region = "eu-north-1"
  default_tags {
    tags = var.tags
  }
}

variable "allowed_regions" {
  description = "Regions the accounts may use (global services are exempt)."
  type        = list(string)
  default     = ["eu-north-1", "eu-west-1"]
}

variable "tags" {
  description = "The mandatory tags of the management account's resources (Environment = platform)."
  type        = map(string)
  validation {
    condition     = alltrue([for tag in ["Environment", "Owner", "CostCenter", "Project"] : trimspace(lookup(var.tags, tag, "")) != ""])
    error_message = "tags must carry Environment, Owner, CostCenter and Project, none empty."
  }
}

locals {
  environments = toset(["dev", "qa", "prod"])
  ou_names     = { dev = "DEV", qa = "QA", prod = "PROD" }
}

data "aws_organizations_organization" "current" {}

resource "aws_organizations_organizational_unit" "platform" {
  name      = "Platform"
  parent_id = data.aws_organizations_organization.current.roots[0].id
}

resource "aws_organizations_organizational_unit" "env" {
  for_each  = local.environments
  name      = local.ou_names[each.key]
  parent_id = data.aws_organizations_organization.current.roots[0].id
}

data "aws_iam_policy_document" "other_env_buckets" {
  for_each = local.environments
  statement {
    sid       = "DenyWritesToOtherEnvironmentsBuckets"
    effect    = "Deny"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy", "s3:DeleteBucket"]
    resources = [for other in setsubtract(local.environments, [each.key]) : "arn:aws:s3:::dqalq-*-${other}-*"]
  }
}

data "aws_iam_policy_document" "guardrails" {
  statement {
    sid         = "DenyOutsideAllowedRegions"
    effect      = "Deny"
    not_actions = ["iam:*", "organizations:*", "sts:*", "support:*", "budgets:*", "cloudfront:*", "route53:*", "globalaccelerator:*"]
    resources   = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "aws:RequestedRegion"
      values   = var.allowed_regions
    }
  }
  statement {
    sid       = "DenyRootAccessKeys"
    effect    = "Deny"
    actions   = ["iam:CreateAccessKey"]
    resources = ["arn:aws:iam::*:root"]
  }
  statement {
    sid       = "DenyRootUser"
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::*:root"]
    }
  }
}

resource "aws_organizations_policy" "guardrails" {
  name    = "dqalq-guardrails"
  type    = "SERVICE_CONTROL_POLICY"
  content = data.aws_iam_policy_document.guardrails.json
}

resource "aws_organizations_policy" "env_buckets" {
  for_each = local.environments
  name     = "dqalq-${each.key}-own-buckets-only"
  type     = "SERVICE_CONTROL_POLICY"
  content  = data.aws_iam_policy_document.other_env_buckets[each.key].json
}

resource "aws_organizations_policy_attachment" "guardrails" {
  for_each  = merge({ platform = aws_organizations_organizational_unit.platform.id }, { for env in local.environments : env => aws_organizations_organizational_unit.env[env].id })
  policy_id = aws_organizations_policy.guardrails.id
  target_id = each.value
}

resource "aws_organizations_policy_attachment" "env_buckets" {
  for_each  = local.environments
  policy_id = aws_organizations_policy.env_buckets[each.key].id
  target_id = aws_organizations_organizational_unit.env[each.key].id
}

output "environment_ous" {
  description = "Environment → OU id, where each environment's account is placed."
  value       = { for env in local.environments : env => aws_organizations_organizational_unit.env[env].id }
}
