# terraform test with a mocked AWS provider, once per environment:
#   terraform test -var-file=../envs/<env>.tfvars -var-file=../envs/<env>.names.tfvars.json
# Names, encryption, retention and the refusals of bad input (tests/infra/test_terraform.py runs it).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/deployer"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-north-1:123456789012:mock"
    }
  }
  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mock"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-north-1:123456789012:log-group:mock"
    }
  }
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::mock"
    }
  }
  mock_resource "aws_kinesis_stream" {
    defaults = {
      arn = "arn:aws:kinesis:eu-north-1:123456789012:stream/mock"
    }
  }
  mock_resource "aws_glue_catalog_database" {
    defaults = {
      arn = "arn:aws:glue:eu-north-1:123456789012:database/mock"
    }
  }
  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-north-1:123456789012:key/mock"
    }
  }
}

run "names_are_the_runtimes" {
  command = apply

  assert {
    condition     = output.lake_url == "s3://dqalq-lake-${var.environment}-${var.region}-{zone}"
    error_message = "the lake URL is not the one the runtime's DATALIVE_LAKE_URL expects"
  }
  assert {
    condition     = alltrue([for zone, bucket in output.lake_buckets : bucket == "dqalq-lake-${var.environment}-${var.region}-${zone}"])
    error_message = "a lake bucket does not follow dqalq-lake-<env>-<region>-<zone>"
  }
  assert {
    condition     = var.tags["Environment"] == var.environment && length(var.tags) == 4
    error_message = "the mandatory tags are not exactly Environment, Owner, CostCenter, Project"
  }
}

run "every_zone_is_versioned_and_encrypted_with_the_environments_key" {
  command = apply

  assert {
    condition     = alltrue([for zone, e in module.lake.encryption : e.algorithm == "aws:kms" && e.key == module.governance.kms_key_arn])
    error_message = "a lake bucket is not SSE-KMS with the environment's key"
  }
  assert {
    condition     = alltrue([for status in values(module.lake.versioning) : status == "Enabled"])
    error_message = "a lake bucket is not versioned"
  }
  assert {
    condition     = module.governance.key_rotation
    error_message = "the environment's key does not rotate"
  }
  assert {
    condition     = module.governance.trail.multi_region && module.governance.trail.validation && module.governance.trail.kms_key_id == module.governance.kms_key_arn
    error_message = "the trail is not multi-region, validated and KMS-encrypted"
  }
}

run "raw_never_expires_in_prod_and_does_elsewhere" {
  command = apply

  assert {
    condition     = contains(module.lake.lifecycle_rules["raw"], "raw-expiration") == (var.environment != "prod")
    error_message = "raw expires in prod, or never expires outside prod"
  }
  assert {
    condition     = alltrue([for zone in ["bronze", "silver", "gold"] : !contains(module.lake.lifecycle_rules[zone], "raw-expiration")])
    error_message = "a rebuilt zone carries raw's expiration rule"
  }
}

run "an_unknown_environment_is_refused" {
  command = plan
  variables {
    environment = "staging"
  }
  expect_failures = [var.environment]
}

run "another_environments_names_are_refused" {
  command = plan
  variables {
    names = merge(var.names, { lake_raw = "dqalq-lake-${var.environment == "prod" ? "qa" : "prod"}-${var.region}-raw" })
  }
  expect_failures = [var.names]
}

run "a_name_over_the_s3_limit_is_refused" {
  command = plan
  variables {
    names = merge(var.names, { lake_gold = "dqalq-lake-${var.environment}-${var.region}-gold-${join("", [for i in range(50) : "x"])}" })
  }
  expect_failures = [var.names]
}

run "a_missing_mandatory_tag_is_refused" {
  command = plan
  variables {
    tags = { for key, value in var.tags : key => value if key != "CostCenter" }
  }
  expect_failures = [var.tags]
}

run "qa_never_peers_with_prod" {
  command = plan
  variables {
    environment         = "qa"
    names               = { for key, name in var.names : key => replace(name, "/([-_])(dev|qa|prod)([-_])/", "$${1}qa$${3}") }
    tags                = merge(var.tags, { Environment = "qa" })
    raw_expiration_days = 365
    peer_environments   = ["prod"]
  }
  expect_failures = [var.peer_environments]
}

run "raw_expiration_is_refused_in_prod" {
  command = plan
  variables {
    environment         = "prod"
    names               = { for key, name in var.names : key => replace(name, "/([-_])(dev|qa|prod)([-_])/", "$${1}prod$${3}") }
    tags                = merge(var.tags, { Environment = "prod" })
    raw_expiration_days = 30
  }
  expect_failures = [var.raw_expiration_days]
}
