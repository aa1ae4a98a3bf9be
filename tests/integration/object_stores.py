"""S3 + KMS (moto_server) and Azure Blob (Azurite) on 127.0.0.1, provisioned as the plan's infrastructure would be.

Each server is started from this project (moto from the dev extra, Azurite from ``scripts/install_azurite.sh``),
given one store per environment and zone, and stopped on exit. What a deployment would put in its
environment (credentials, endpoints) is returned as a mapping for the test to set.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.moto_server import REGION, MotoServer, moto_server
from tests.integration.processes import free_port, stop, wait_for

ENVIRONMENTS = ("dev", "qa", "prod")
ZONES = ("raw", "bronze", "silver", "gold")
AZURITE = Path(__file__).resolve().parents[2] / ".tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob"


@dataclass(frozen=True)
class S3Stack(MotoServer):
    """A running moto server with a KMS key and versioned buckets per environment and zone."""

    kms_keys: dict[str, str] = field(default_factory=dict)  # environment → key id

    def bucket(self, env: str, zone: str) -> str:
        return f"dqalq-lake-{env}-{REGION}-{zone}"

    def lake_url(self, env: str) -> str:
        return f"s3://dqalq-lake-{env}-{REGION}-{{zone}}"


@contextmanager
def s3_stack(folder: Path) -> Iterator[S3Stack]:
    """Start moto_server (S3 + KMS) and provision what Terraform would: a customer key per environment and a
    versioned bucket per environment and zone. No default bucket encryption: an object's SSE-KMS must come
    from the lake's own writes."""
    with moto_server(folder, "datalive-test-key-id", "datalive-test-secret-never-printed") as server:
        stack = S3Stack(server.endpoint, server.environ)
        s3, kms = stack.client("s3"), stack.client("kms")
        for env in ENVIRONMENTS:
            key = kms.create_key(Description=f"datalive {env} lake")["KeyMetadata"]["KeyId"]
            stack.kms_keys[env] = key
            for zone in ZONES:
                bucket = stack.bucket(env, zone)
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
                s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        yield stack


@dataclass(frozen=True)
class AzureStack:
    """A running Azurite with a storage account per environment and a container per zone."""

    blob_url: str
    account_keys: dict[str, str]  # environment → account key
    environ_by_env: dict[str, dict[str, str]]  # what each environment's deployment sets

    def account(self, env: str) -> str:
        return f"dqalqlake{env}"

    def lake_url(self, env: str) -> str:
        return f"abfss://{{zone}}@{self.account(env)}.dfs.core.windows.net"

    def container(self, env: str, zone: str):
        from azure.storage.blob import BlobServiceClient

        account = self.account(env)
        service = BlobServiceClient(
            f"{self.blob_url}/{account}", credential={"account_name": account, "account_key": self.account_keys[env]}
        )
        return service.get_container_client(zone)


@contextmanager
def azure_stack(folder: Path) -> Iterator[AzureStack]:
    """Start Azurite's Blob service with an account per environment and create each zone's container."""
    if not AZURITE.exists():
        raise RuntimeError(f"{AZURITE} is missing: run scripts/install_azurite.sh (make test-integration does)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    keys = {env: base64.b64encode(f"datalive-{env}-account-key-for-tests".encode()).decode() for env in ENVIRONMENTS}
    accounts = ";".join(f"dqalqlake{env}:{key}" for env, key in keys.items())
    log = folder / "azurite.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(folder / "data"),
                "--skipApiVersionCheck", "--disableTelemetry", "--silent",
            ],
            env={**os.environ, "AZURITE_ACCOUNTS": accounts},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    blob_url = f"http://127.0.0.1:{port}"
    # object_store's emulator mode: the account in the lake URL is addressed at this endpoint.
    environ = {
        env: {
            "AZURE_STORAGE_USE_EMULATOR": "true",
            "AZURITE_BLOB_STORAGE_URL": blob_url,
            "AZURE_STORAGE_ACCOUNT_KEY": key,
        }
        for env, key in keys.items()
    }
    try:
        wait_for(blob_url, server, log, "Azurite")
        stack = AzureStack(blob_url, keys, environ)
        for env in ENVIRONMENTS:
            for zone in ZONES:
                stack.container(env, zone).create_container()
        yield stack
    finally:
        stop(server)
