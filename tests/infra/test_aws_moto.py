"""The dev and prod roots applied for real against moto_server (an account each), inspected with boto3, used by
the DatAlive pipeline, then destroyed.

The budget and the EMR Serverless application stay behind variables the moto run turns off (the budget hangs
the provider under moto; moto creates applications STARTED where the provider waits for CREATED). Everything
else is created by Terraform's AWS provider through the real APIs; nothing here creates a bucket or a key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from da_platform.infra_names import infra_names
from da_platform.lakehouse.delta_lake import LocalLake, open_lake
from da_platform.naming import MANDATORY_TAGS
from tests.helpers import gold_table, make_landing
from tests.infra.moto_account import MotoAccount, moto_account
from tests.infra.terraform import Workspace, workspace
from tests.integration.test_object_store_lake import GOLD, SILVER, _rows, _run

pytestmark = pytest.mark.infra

ENVS = ("dev", "prod")
ZONES = ("raw", "bronze", "silver", "gold")


@dataclass
class Deployed:
    """One environment applied on its own moto account."""

    env: str
    account: MotoAccount
    ws: Workspace
    outputs: dict
    destroyed: bool = False

    @property
    def names(self) -> dict[str, str]:
        return infra_names("aws", self.env)["names"]

    def args(self) -> list[str]:
        return [
            "-auto-approve", "-no-color", "-input=false", *self.ws.var_files(self.env),
            f"-var=aws_endpoint={self.account.endpoint}", "-var=enable_budget=false",
            "-var=enable_emr_application=false",
        ]  # fmt: skip


def _apply(env: str, account: MotoAccount, terraform_bin: str, plugin_dir: Path, folder: Path) -> Deployed:
    credentials = {k: v for k, v in account.environ.items() if k != "AWS_ENDPOINT_URL"}
    ws = workspace(terraform_bin, plugin_dir, folder / "aws", "aws", "environment", credentials, local_state=True)
    deployed = Deployed(env, account, ws, {})
    ws.run("apply", *deployed.args(), timeout=900)
    raw = json.loads(ws.run("output", "-json", "-no-color").stdout)
    deployed.outputs = {key: value["value"] for key, value in raw.items()}
    return deployed


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory, terraform_bin: str, plugin_dir: Path
) -> Iterator[dict[str, Deployed]]:
    folder = tmp_path_factory.mktemp("moto-apply")
    with moto_account(folder / "dev-account") as dev, moto_account(folder / "prod-account") as prod:
        accounts = {"dev": dev, "prod": prod}
        with ThreadPoolExecutor(2) as pool:  # the applies mostly wait on the provider's polling: run both at once
            futures = {
                env: pool.submit(_apply, env, accounts[env], terraform_bin, plugin_dir, folder / env) for env in ENVS
            }
            result = {env: future.result() for env, future in futures.items()}
        try:
            yield result
        finally:
            for item in result.values():
                if not item.destroyed:
                    item.ws.run("destroy", *item.args(), check=False, timeout=900)


@pytest.mark.parametrize("env", ENVS)
def test_each_lake_bucket_is_versioned_kms_encrypted_private_and_tagged(
    deployed: dict[str, Deployed], env: str
) -> None:
    item = deployed[env]
    s3, kms = item.account.client("s3"), item.account.client("kms")
    key_arn = kms.describe_key(KeyId=item.outputs["lake_kms_key_id"])["KeyMetadata"]["Arn"]
    assert item.outputs["lake_buckets"] == {zone: item.names[f"lake_{zone}"] for zone in ZONES}
    for zone, bucket in item.outputs["lake_buckets"].items():
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", bucket
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4, bucket
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert {k: tags[k] for k in MANDATORY_TAGS} == infra_names("aws", env)["tags"] and tags["Zone"] == zone


@pytest.mark.parametrize("env", ENVS)
def test_the_bucket_policy_refuses_unencrypted_writes_plain_http_and_other_accounts(
    deployed: dict[str, Deployed], env: str
) -> None:
    item = deployed[env]
    s3 = item.account.client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=item.names["lake_raw"])["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert all(s["Effect"] == "Deny" for s in statements.values())
    unencrypted = statements["DenyWritesWithoutTheEnvironmentsKmsKey"]
    assert unencrypted["Condition"]["StringNotEquals"]["s3:x-amz-server-side-encryption"] == "aws:kms"
    assert statements["DenyInsecureTransport"]["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    account_id = item.account.client("sts").get_caller_identity()["Account"]
    assert (
        statements["DenyPrincipalsOfOtherAccounts"]["Condition"]["StringNotEquals"]["aws:PrincipalAccount"]
        == account_id
    )
    other_env = statements["DenyPrincipalsTaggedForAnotherEnvironment"]["Condition"]
    assert other_env["StringNotEquals"]["aws:PrincipalTag/Environment"] == env


def test_raw_never_expires_in_prod_and_expires_in_dev(deployed: dict[str, Deployed]) -> None:
    def rules(env: str, zone: str) -> dict[str, dict]:
        s3 = deployed[env].account.client("s3")
        config = s3.get_bucket_lifecycle_configuration(Bucket=deployed[env].names[f"lake_{zone}"])
        return {rule["ID"]: rule for rule in config["Rules"]}

    assert "raw-expiration" not in rules("prod", "raw") and "raw-to-glacier" in rules("prod", "raw")
    assert rules("dev", "raw")["raw-expiration"]["Expiration"]["Days"] == 180
    kept = {
        env: rules(env, "silver")["noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"]
        for env in ENVS
    }
    assert kept == {"dev": 30, "prod": 365}  # prod keeps replaced versions a year


@pytest.mark.parametrize("env", ENVS)
def test_the_key_rotates_and_separates_administrators_from_users(deployed: dict[str, Deployed], env: str) -> None:
    kms = deployed[env].account.client("kms")
    key_id = deployed[env].outputs["lake_kms_key_id"]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    admins, users = statements["KeyAdministratorsManageButCannotUse"], statements["KeyUsersEncryptAndDecrypt"]
    assert not {"kms:Encrypt", "kms:Decrypt"} & set(admins["Action"])
    assert "kms:ScheduleKeyDeletion" not in users["Action"] and "kms:Decrypt" in users["Action"]
    assert any(p.endswith(":role/dqalq-admin") for p in _principals(admins))
    assert not any(p.endswith(":role/dqalq-admin") for p in _principals(users))


def _principals(statement: dict) -> list[str]:
    value = statement["Principal"]["AWS"]
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("env", ENVS)
def test_cloudtrail_logs_every_region_validated_and_encrypted_to_the_log_bucket(
    deployed: dict[str, Deployed], env: str
) -> None:
    item = deployed[env]
    (trail,) = item.account.client("cloudtrail").describe_trails(trailNameList=[item.names["trail"]])["trailList"]
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    assert trail["S3BucketName"] == item.names["trail_bucket"]
    assert trail["KmsKeyId"].endswith(item.outputs["lake_kms_key_id"])
    rule = item.account.client("s3").get_bucket_encryption(Bucket=item.names["trail_bucket"])
    assert (
        rule["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        == "aws:kms"
    )


@pytest.mark.parametrize("env", ENVS)
def test_iam_has_the_groups_the_mfa_roles_and_the_password_policy(deployed: dict[str, Deployed], env: str) -> None:
    item = deployed[env]
    iam = item.account.client("iam")
    groups = {g["GroupName"] for g in iam.list_groups()["Groups"]}
    assert {item.names[f"group_{g}"] for g in ("admin", "poweruser", "readonly")} <= groups
    for role in ("dqalq-admin", "dqalq-readonly"):
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"] == "true", role
    attached = iam.list_attached_role_policies(RoleName="dqalq-readonly")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["ReadOnlyAccess"]
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] >= 14 and policy["MaxPasswordAge"] == 90
    assert policy["RequireSymbols"] and policy["RequireNumbers"] and policy["RequireUppercaseCharacters"]


@pytest.mark.parametrize("env", ENVS)
def test_the_vpc_has_two_tiers_in_two_azs_endpoints_nacls_and_flow_logs(
    deployed: dict[str, Deployed], env: str
) -> None:
    item = deployed[env]
    ec2 = item.account.client("ec2")
    vpc_id = item.outputs["vpc_id"]
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert vpc["CidrBlock"] == {"dev": "10.10.0.0/16", "prod": "10.30.0.0/16"}[env]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    tiers = {(next(t["Value"] for t in s["Tags"] if t["Key"] == "Tier"), s["AvailabilityZone"]) for s in subnets}
    assert tiers == {(tier, az) for tier in ("public", "private") for az in ("eu-north-1a", "eu-north-1b")}
    assert ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"
    ]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    assert len([n for n in nats if n["State"] == "available"]) == {"dev": 1, "prod": 2}[env]
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    kinds = {(e["ServiceName"].rsplit(".", 1)[1], e["VpcEndpointType"]) for e in endpoints}
    assert kinds == {("s3", "Gateway"), ("sts", "Interface"), ("logs", "Interface")}
    acls = [
        a
        for a in ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
        if not a["IsDefault"]
    ]
    assert len(acls) == 2 and sum(len(a["Associations"]) for a in acls) == 4
    inbound = [
        e
        for a in acls
        for e in a["Entries"]
        if not e["Egress"] and e["RuleAction"] == "allow" and e["CidrBlock"] == "0.0.0.0/0"
    ]
    assert all(e["PortRange"]["From"] in (443, 32768) for e in inbound)  # never SSH or RDP from the internet
    assert ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert not ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]


@pytest.mark.parametrize("env", ENVS)
def test_catalog_stream_alarms_topic_and_guardduty_exist(deployed: dict[str, Deployed], env: str) -> None:
    item = deployed[env]
    glue = {d["Name"] for d in item.account.client("glue").get_databases()["DatabaseList"]}
    assert glue == {item.names[f"glue_{zone}"] for zone in ZONES}
    stream = item.account.client("kinesis").describe_stream(StreamName=item.outputs["kinesis_stream"])
    assert stream["StreamDescription"]["EncryptionType"] == "KMS"
    assert stream["StreamDescription"]["RetentionPeriodHours"] == {"dev": 24, "prod": 168}[env]
    topic = item.account.client("sns").get_topic_attributes(TopicArn=item.outputs["sns_topic_arn"])["Attributes"]
    assert topic["KmsMasterKeyId"]
    alarms = item.account.client("cloudwatch").describe_alarms()["MetricAlarms"]
    severity = {"dev": "sev3", "prod": "sev1"}[env]
    assert len(alarms) == 2 and all(f"-{severity}-" in a["AlarmName"] for a in alarms)
    assert all(a["AlarmActions"] == [item.outputs["sns_topic_arn"]] for a in alarms)
    (detector,) = item.account.client("guardduty").list_detectors()["DetectorIds"]
    assert item.account.client("guardduty").get_detector(DetectorId=detector)["Status"] == "ENABLED"


@pytest.fixture(scope="module")
def pipeline_homes(tmp_path_factory: pytest.TempPathFactory, deployed: dict[str, Deployed], dbt_manifest: Path):
    """A month of Volve through the whole graph on local files and on the dev buckets and key Terraform made."""
    root = tmp_path_factory.mktemp("pipeline")
    landing = make_landing(root / "landing", "2014-04-01", "2014-04-30")
    local = root / "local"
    _run(local, [landing], {})
    item = deployed["dev"]
    s3 = item.account.client("s3")
    for zone in ZONES:
        # moto evaluates a bucket policy without request context: every statement with a condition counts as
        # a Deny (iam/access_control.py, _check_conditions), so the lake's conditional Deny statements refuse
        # every PUT. Their content is checked above; for the pipeline the stand-in goes without them.
        s3.delete_bucket_policy(Bucket=item.names[f"lake_{zone}"])
    remote = root / "s3"
    lake = {"DATALIVE_LAKE_URL": item.outputs["lake_url"], "DATALIVE_LAKE_KMS_KEY_ID": item.outputs["lake_kms_key_id"]}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in item.account.environ.items():
            mp.setenv(name, value)  # the lake is read back below, as a deployment would
        settings = _run(remote, [landing], {**item.account.environ, **lake})
        remote_silver = {table: _rows(open_lake(settings).read(f"silver/{table}")) for table in SILVER}
    return local, remote, remote_silver


def test_the_pipeline_on_terraforms_buckets_builds_the_same_silver_and_gold_as_on_local_files(pipeline_homes) -> None:
    local, remote, remote_silver = pipeline_homes
    local_lake = LocalLake(local / "dev" / "lake", "dev")
    assert not (remote / "dev" / "lake").exists()  # nothing fell back to local files
    for table, actual in remote_silver.items():
        expected = _rows(local_lake.read(f"silver/{table}"))
        assert actual.schema == expected.schema and actual.equals(expected), table
    assert remote_silver["well_day_production"].height > 0
    for table in GOLD:
        frame = gold_table(local, table)
        key = [c for c in ("well_id", "production_date", "month", "field") if c in frame.columns]
        assert gold_table(remote, table).sort(key).equals(frame.sort(key)), table


def test_what_the_pipeline_wrote_is_encrypted_with_the_terraform_key(
    pipeline_homes, deployed: dict[str, Deployed]
) -> None:
    item = deployed["dev"]
    s3 = item.account.client("s3")
    for zone in ("raw", "bronze", "silver"):
        objects = s3.list_objects_v2(Bucket=item.names[f"lake_{zone}"])["Contents"]
        assert objects, zone
        for entry in objects[:20]:
            head = s3.head_object(Bucket=item.names[f"lake_{zone}"], Key=entry["Key"])
            assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"].endswith(
                item.outputs["lake_kms_key_id"]
            )
    prod = deployed["prod"]
    assert all(
        prod.account.client("s3").list_objects_v2(Bucket=prod.names[f"lake_{z}"])["KeyCount"] == 0 for z in ZONES
    )


@pytest.mark.parametrize("env", ENVS)
def test_destroy_removes_every_bucket_and_the_vpc(deployed: dict[str, Deployed], env: str) -> None:
    item = deployed[env]
    if env == "prod":
        _empty_buckets(item)  # prod's buckets have no force_destroy: infra/README.md says empty them first
    done = item.ws.run("destroy", *item.args(), timeout=900)
    item.destroyed = True
    assert "Destroy complete" in done.stdout
    buckets = {b["Name"] for b in item.account.client("s3").list_buckets()["Buckets"]}
    assert not buckets & set(item.names.values())
    assert not [v for v in item.account.client("ec2").describe_vpcs()["Vpcs"] if v["VpcId"] == item.outputs["vpc_id"]]


def _empty_buckets(item: Deployed) -> None:
    """Stop access logging, then delete every object version and delete marker of the environment's buckets,
    as an operator would (otherwise each request writes a new log object into the log bucket)."""
    s3 = item.account.client("s3")
    buckets = sorted({b["Name"] for b in s3.list_buckets()["Buckets"]} & set(item.names.values()))
    for bucket in buckets:
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
        s3.delete_bucket_policy(Bucket=bucket)  # moto counts the policies' conditional Deny statements as Deny
    for bucket in buckets:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
