# Phase 1, per environment account: the environment's KMS key (admins separated from users), CloudTrail in
# all regions to a central KMS-encrypted log bucket, IAM groups and roles, the account password policy.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  key_admins  = [aws_iam_role.admin.arn, data.aws_caller_identity.current.arn]
  key_users   = [aws_iam_role.runtime.arn, aws_iam_role.readonly.arn]
}

data "aws_iam_policy_document" "key" {
  statement {
    sid = "KeyAdministratorsManageButCannotUse"
    principals {
      type        = "AWS"
      identifiers = local.key_admins
    }
    actions = [
      "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
      "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
      "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
    ]
    resources = ["*"]
  }
  statement {
    sid = "KeyUsersEncryptAndDecrypt"
    principals {
      type        = "AWS"
      identifiers = local.key_users
    }
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
  }
  statement {
    sid = "AwsServicesOfThisAccount"
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com", "logs.amazonaws.com", "sns.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "env" {
  description             = "${var.names["kms_key"]}: lake, logs, stream and topic of ${var.environment}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = var.environment == "prod" ? 30 : 7
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "env" {
  name          = "alias/${var.names["kms_key"]}"
  target_key_id = aws_kms_key.env.key_id
}

# --- CloudTrail: every region, log file validation, KMS, into the central log bucket -----------------

resource "aws_s3_bucket" "trail" {
  bucket        = var.names["trail_bucket"]
  force_destroy = var.environment != "prod"
}

resource "aws_s3_bucket_versioning" "trail" {
  bucket = aws_s3_bucket.trail.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "trail" {
  bucket = aws_s3_bucket.trail.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.env.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "trail" {
  bucket                  = aws_s3_bucket.trail.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "trail" {
  bucket = aws_s3_bucket.trail.id
  rule {
    id     = "trail-retention"
    status = "Enabled"
    filter {}
    expiration {
      days = var.trail_log_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.trail_log_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

data "aws_iam_policy_document" "trail_bucket" {
  statement {
    sid = "CloudTrailAclCheck"
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    actions   = ["s3:GetBucketAcl"]
    resources = [aws_s3_bucket.trail.arn]
  }
  statement {
    sid = "CloudTrailWrite"
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.trail.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
  statement {
    sid = "S3AccessLogsOfTheLake"
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.trail.arn}/s3-access/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    principals {
      type        = "AWS" # {"AWS": "*"}: the same as "*", and moto's S3 logging check can parse it
      identifiers = ["*"]
    }
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.trail.arn, "${aws_s3_bucket.trail.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "trail" {
  bucket = aws_s3_bucket.trail.id
  policy = data.aws_iam_policy_document.trail_bucket.json
}

resource "aws_cloudtrail" "all" {
  name                          = var.names["trail"]
  s3_bucket_name                = aws_s3_bucket.trail.id
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.env.arn
  sns_topic_name                = null

  # Object-level events of the lake's buckets: who read or wrote which object.
  event_selector {
    read_write_type           = "All"
    include_management_events = true
    data_resource {
      type   = "AWS::S3::Object"
      values = [for bucket in var.lake_buckets : "arn:${data.aws_partition.current.partition}:s3:::${bucket}/"]
    }
  }

  depends_on = [aws_s3_bucket_policy.trail]
}

# --- IAM: groups, the two cross-account roles, the runtime role, the password policy ----------------

resource "aws_iam_group" "admin" {
  name = var.names["group_admin"]
}

resource "aws_iam_group" "poweruser" {
  name = var.names["group_poweruser"]
}

resource "aws_iam_group" "readonly" {
  name = var.names["group_readonly"]
}

resource "aws_iam_group_policy_attachment" "admin" {
  group      = aws_iam_group.admin.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_group_policy_attachment" "poweruser" {
  group      = aws_iam_group.poweruser.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_group_policy_attachment" "readonly" {
  group      = aws_iam_group.readonly.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "assume_with_mfa" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [local.account_arn]
    }
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

resource "aws_iam_role" "admin" {
  name                 = var.names["role_admin"]
  description          = "Administrators of ${var.environment} (MFA required)"
  assume_role_policy   = data.aws_iam_policy_document.assume_with_mfa.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.admin.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role" "readonly" {
  name                 = var.names["role_readonly"]
  description          = "Read-only access to ${var.environment} (MFA required)"
  assume_role_policy   = data.aws_iam_policy_document.assume_with_mfa.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "readonly" {
  role       = aws_iam_role.readonly.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "runtime_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# The pipeline's identity (Spark on EMR Serverless): the one key user that writes the lake.
resource "aws_iam_role" "runtime" {
  name               = var.names["emr_role"]
  description        = "DatAlive pipeline runtime of ${var.environment}"
  assume_role_policy = data.aws_iam_policy_document.runtime_trust.json
}

resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = 14
  require_lowercase_characters   = true
  require_uppercase_characters   = true
  require_numbers                = true
  require_symbols                = true
  allow_users_to_change_password = true
  max_password_age               = 90
  password_reuse_prevention      = 24
}
