"""The shared moto_server starter: an account the clients reach with the credentials it hands out, AWS's
managed IAM policies only when asked for, and nothing left listening after it stops."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.integration.moto_server import REGION, moto_server

pytestmark = pytest.mark.integration

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_a_client_reaches_the_server_with_the_credentials_it_was_started_with(tmp_path: Path) -> None:
    with moto_server(tmp_path, "key-id", "secret") as server:
        s3 = server.client("s3")
        s3.create_bucket(Bucket="datalive-test", CreateBucketConfiguration={"LocationConstraint": REGION})

        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["datalive-test"]
        assert server.environ["AWS_ACCESS_KEY_ID"] == "key-id"
        assert server.environ["AWS_ENDPOINT_URL"] == server.endpoint


def test_managed_policies_exist_only_when_asked_for(tmp_path: Path) -> None:
    with moto_server(tmp_path / "plain", "k", "s") as plain, pytest.raises(ClientError, match="NoSuchEntity"):
        plain.client("iam").get_policy(PolicyArn=READ_ONLY)
    with moto_server(tmp_path / "account", "k", "s", managed_policies=True) as account:
        assert account.client("iam").get_policy(PolicyArn=READ_ONLY)["Policy"]["PolicyName"] == "ReadOnlyAccess"


def test_the_server_stops_on_exit(tmp_path: Path) -> None:
    with moto_server(tmp_path, "k", "s") as server:
        endpoint = server.endpoint

    with pytest.raises(OSError):
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
