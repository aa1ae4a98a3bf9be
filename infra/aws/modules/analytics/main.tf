# Phase 6: a Glue database per zone; phase 7: the daily-reports stream (KMS); phase 8: Spark on EMR
# Serverless (the application, its log bucket and what the runtime role may touch).

resource "aws_glue_catalog_database" "zone" {
  for_each    = toset(var.zones)
  name        = var.names["glue_${each.key}"]
  description = "DatAlive ${each.key} zone of ${var.environment}"
}

resource "aws_kinesis_stream" "reports" {
  name             = var.names["kinesis_stream"]
  shard_count      = 1
  retention_period = var.kinesis_retention_hours
  encryption_type  = "KMS"
  kms_key_id       = var.kms_key_arn
  stream_mode_details {
    stream_mode = "PROVISIONED"
  }
}

resource "aws_s3_bucket" "emr_logs" {
  bucket        = var.names["emr_logs_bucket"]
  force_destroy = var.environment != "prod"
}

resource "aws_s3_bucket_versioning" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "emr_logs" {
  bucket                  = aws_s3_bucket.emr_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_logging" "emr_logs" {
  bucket        = aws_s3_bucket.emr_logs.id
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

resource "aws_s3_bucket_lifecycle_configuration" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.id
  rule {
    id     = "emr-log-retention"
    status = "Enabled"
    filter {}
    expiration {
      days = var.noncurrent_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

# moto creates applications as STARTED where the provider waits for CREATED: the moto run turns it off.
resource "aws_emrserverless_application" "spark" {
  count         = var.enable_emr_application ? 1 : 0
  name          = var.names["emr_app"]
  release_label = "emr-7.5.0"
  type          = "SPARK"

  maximum_capacity {
    cpu    = var.emr_max_vcpu
    memory = "${tonumber(trimsuffix(var.emr_max_vcpu, " vCPU")) * 4} GB"
  }
  auto_start_configuration {
    enabled = true
  }
  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = 15
  }
  network_configuration {
    subnet_ids         = var.subnet_ids
    security_group_ids = [var.security_group_id]
  }
}

data "aws_iam_policy_document" "runtime" {
  statement {
    sid       = "LakeReadWrite"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation"]
    resources = concat(var.lake_bucket_arns, [for arn in var.lake_bucket_arns : "${arn}/*"])
  }
  statement {
    sid       = "SparkLogs"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.emr_logs.arn, "${aws_s3_bucket.emr_logs.arn}/*"]
  }
  statement {
    sid       = "EnvironmentKey"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid     = "Catalog"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:GetPartitions"]
    resources = concat(
      [for db in aws_glue_catalog_database.zone : db.arn],
      [for db in aws_glue_catalog_database.zone : replace(db.arn, ":database/", ":table/")],
    )
  }
  statement {
    sid       = "Stream"
    actions   = ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:PutRecords"]
    resources = [aws_kinesis_stream.reports.arn]
  }
}

resource "aws_iam_role_policy" "runtime" {
  name   = "datalive-pipeline"
  role   = var.runtime_role_name
  policy = data.aws_iam_policy_document.runtime.json
}
