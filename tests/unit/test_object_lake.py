"""Where an object-store lake puts things, and which stores it refuses (no server needed: nothing is written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from da_platform.env import SettingsError, load_settings
from da_platform.lakehouse.delta_lake import LocalLake, OutsideEnvironmentError, open_lake, open_lake_at
from da_platform.lakehouse.object_lake import LakeLocationError, ObjectStoreLake, named_environments

S3_QA = "s3://dqalq-lake-qa-eu-north-1-{zone}"
AZURE_PROD = "abfss://{zone}@dqalqlakeprod.dfs.core.windows.net"


def test_each_zone_of_the_plan_has_its_own_bucket_and_tables_keep_their_names_inside_it() -> None:
    lake = ObjectStoreLake(S3_QA, "qa")

    assert lake.uri("silver/well_day_production") == "s3://dqalq-lake-qa-eu-north-1-silver/well_day_production"
    assert lake.uri("raw/files/daily/abc/v.csv") == "s3://dqalq-lake-qa-eu-north-1-raw/files/daily/abc/v.csv"
    # forecasts and the explanation chunks are gold products: the gold bucket, under their own folder
    assert (
        lake.uri("forecast/well_daily_forecasts") == "s3://dqalq-lake-qa-eu-north-1-gold/forecast/well_daily_forecasts"
    )


def test_a_branch_deployment_writes_under_its_pull_request_prefix_in_qa_buckets() -> None:
    lake = ObjectStoreLake(S3_QA, "qa/pr-12")

    assert lake.uri("bronze/daily_reports") == "s3://dqalq-lake-qa-eu-north-1-bronze/pr-12/daily_reports"


def test_azure_uses_a_container_per_zone_in_the_environments_account() -> None:
    lake = ObjectStoreLake(AZURE_PROD, "prod")

    assert lake.uri("silver/quarantine") == "abfss://silver@dqalqlakeprod.dfs.core.windows.net/quarantine"
    assert lake.storage_options is None  # no S3 options leak into Azure


def test_a_qa_lake_pointed_at_prod_buckets_is_refused_before_anything_is_written() -> None:
    with pytest.raises(OutsideEnvironmentError, match="not the 'qa' environment's own"):
        ObjectStoreLake("s3://dqalq-lake-prod-eu-north-1-{zone}", "qa/pr-3")
    with pytest.raises(OutsideEnvironmentError, match="points to prod"):
        ObjectStoreLake(AZURE_PROD, "dev")


def test_a_store_that_names_no_environment_or_two_is_refused() -> None:
    with pytest.raises(OutsideEnvironmentError, match="no environment"):
        ObjectStoreLake("s3://company-lake-{zone}", "dev")
    with pytest.raises(OutsideEnvironmentError):
        ObjectStoreLake("s3://lake-prod-copy-of-qa-{zone}", "qa")


def test_the_template_must_split_the_zones_into_stores_and_not_name_a_pull_request() -> None:
    with pytest.raises(LakeLocationError, match="exactly once"):
        ObjectStoreLake("s3://dqalq-lake-qa-eu-north-1/{zone}/{zone}", "qa")
    with pytest.raises(LakeLocationError, match="must look like"):
        ObjectStoreLake("gs://dqalq-lake-qa-{zone}", "qa")
    with pytest.raises(OutsideEnvironmentError, match="pull request"):
        ObjectStoreLake("s3://dqalq-lake-qa-{zone}/pr-7", "qa/pr-8")


@pytest.mark.parametrize("name", ["../prod/x", "silver/../../x", "silver//x", "/silver/x", "warehouse/x", "silver"])
def test_names_that_escape_the_lake_or_its_zones_are_refused(name: str) -> None:
    with pytest.raises(OutsideEnvironmentError):
        ObjectStoreLake(S3_QA, "qa").uri(name)


def test_s3_writes_are_encrypted_with_the_environments_kms_key_and_committed_with_conditional_puts() -> None:
    lake = ObjectStoreLake(S3_QA, "qa", kms_key_id="key-qa-1")

    assert lake.storage_options == {
        "aws_conditional_put": "etag",
        "aws_server_side_encryption": "aws:kms",
        "aws_sse_kms_key_id": "key-qa-1",
    }


def test_only_a_pull_requests_prefix_can_be_emptied() -> None:
    with pytest.raises(OutsideEnvironmentError, match="refusing to empty"):
        ObjectStoreLake(S3_QA, "qa").drop_everything()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dqalq-lake-qa-eu-north-1-raw", {"qa"}),
        ("dqalqlakeprod", {"prod"}),
        ("datalive.dev.raw", {"dev"}),
        ("production-raw", set()),  # a part must be the environment's name, not contain it
    ],
)
def test_store_names_name_environments_by_whole_parts_or_by_their_ending(name: str, expected: set[str]) -> None:
    assert named_environments(name) == expected


def test_settings_choose_the_object_store_lake_and_the_local_folder_stays_the_default(tmp_path: Path) -> None:
    local = load_settings({"DATALIVE_HOME": str(tmp_path)})
    remote = load_settings(
        {
            "DATALIVE_HOME": str(tmp_path),
            "DATALIVE_LAKE_URL": S3_QA,
            "DA_ENV": "qa",
            "DATALIVE_LAKE_KMS_KEY_ID": "key-qa-1",
        }
    )

    assert isinstance(open_lake(local), LocalLake)
    lake = open_lake(remote)
    assert isinstance(lake, ObjectStoreLake)
    assert lake.storage_options and lake.storage_options["aws_sse_kms_key_id"] == "key-qa-1"
    assert isinstance(open_lake_at(str(tmp_path / "dev" / "lake"), "dev"), LocalLake)


def test_qa_and_prod_s3_lakes_need_the_environments_kms_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATALIVE_LAKE_KMS_KEY_ID"):
        load_settings(
            {
                "DATALIVE_HOME": str(tmp_path),
                "DA_ENV": "prod",
                "DATALIVE_LAKE_URL": "s3://dqalq-lake-prod-eu-north-1-{zone}",
            }
        )


def test_a_lake_url_without_a_store_per_zone_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATALIVE_LAKE_URL"):
        load_settings({"DATALIVE_HOME": str(tmp_path), "DATALIVE_LAKE_URL": "s3://one-bucket-dev/lake"})
