# Phases 5 and 16: a bucket per zone, named exactly as DATALIVE_LAKE_URL's {zone} expects, versioned, SSE-KMS
# with the environment's key, public access blocked, a policy that refuses unencrypted writes, plain HTTP and
# other environments' principals, and retention per environment (raw never expires in prod).

data "aws_partition" "current" {}

resource "aws_s3_bucket" "zone" {
  for_each      = toset(var.zones)
  bucket        = var.names["lake_${each.key}"]
  force_destroy = var.environment != "prod"
  tags          = { Zone = each.key }
}

resource "aws_s3_bucket_versioning" "zone" {
  for_each = toset(var.zones)
  bucket   = aws_s3_bucket.zone[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "zone" {
  for_each = toset(var.zones)
  bucket   = aws_s3_bucket.zone[each.key].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "zone" {
  for_each                = toset(var.zones)
  bucket                  = aws_s3_bucket.zone[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_logging" "zone" {
  for_each      = toset(var.zones)
  bucket        = aws_s3_bucket.zone[each.key].id
  target_bucket = var.log_bucket
  # One prefix for every bucket (the only form moto's logging check accepts); the partitioned key format
  # still files each bucket's logs under s3-access/<account>/<region>/<bucket>/<date>/.
  target_prefix = "s3-access/"
  target_object_key_format {
    partitioned_prefix {
      partition_date_source = "EventTime"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "zone" {
  for_each = toset(var.zones)
  bucket   = aws_s3_bucket.zone[each.key].id

  rule {
    id     = "noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Raw keeps every byte that arrived: in prod it never expires (the variable is refused otherwise),
  # elsewhere it expires after raw_expiration_days; other zones are rebuilt from raw and keep only versions.
  dynamic "rule" {
    for_each = each.key == "raw" && var.raw_expiration_days != null ? [var.raw_expiration_days] : []
    content {
      id     = "raw-expiration"
      status = "Enabled"
      filter {}
      expiration {
        days = rule.value
      }
    }
  }

  dynamic "rule" {
    for_each = each.key == "raw" && var.environment == "prod" ? [90] : []
    content {
      id     = "raw-to-glacier"
      status = "Enabled"
      filter {
        prefix = "files/"
      }
      transition {
        days          = rule.value
        storage_class = "GLACIER_IR"
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.zone]
}

data "aws_iam_policy_document" "zone" {
  for_each = toset(var.zones)

  statement {
    sid    = "DenyWritesWithoutTheEnvironmentsKmsKey"
    effect = "Deny"
    principals {
      type        = "AWS" # {"AWS": "*"}: the same as "*", and moto's S3 logging check can parse it
      identifiers = ["*"]
    }
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.zone[each.key].arn}/*"]
    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }
  statement {
    sid    = "DenyAnotherKmsKey"
    effect = "Deny"
    principals {
      type        = "AWS" # {"AWS": "*"}: the same as "*", and moto's S3 logging check can parse it
      identifiers = ["*"]
    }
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.zone[each.key].arn}/*"]
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = [var.kms_key_arn]
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
    resources = [aws_s3_bucket.zone[each.key].arn, "${aws_s3_bucket.zone[each.key].arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  statement {
    sid    = "DenyPrincipalsOfOtherAccounts"
    effect = "Deny"
    principals {
      type        = "AWS" # {"AWS": "*"}: the same as "*", and moto's S3 logging check can parse it
      identifiers = ["*"]
    }
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.zone[each.key].arn, "${aws_s3_bucket.zone[each.key].arn}/*"]
    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalAccount"
      values   = [var.trusted_principal_id]
    }
  }
  statement {
    sid    = "DenyPrincipalsTaggedForAnotherEnvironment"
    effect = "Deny"
    principals {
      type        = "AWS" # {"AWS": "*"}: the same as "*", and moto's S3 logging check can parse it
      identifiers = ["*"]
    }
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.zone[each.key].arn, "${aws_s3_bucket.zone[each.key].arn}/*"]
    condition {
      test     = "Null"
      variable = "aws:PrincipalTag/Environment"
      values   = ["false"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalTag/Environment"
      values   = [var.environment]
    }
  }
}

resource "aws_s3_bucket_policy" "zone" {
  for_each = toset(var.zones)
  bucket   = aws_s3_bucket.zone[each.key].id
  policy   = data.aws_iam_policy_document.zone[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.zone]
}
