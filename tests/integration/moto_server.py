"""moto_server on 127.0.0.1: the one starter behind the object-store integration tests' S3 + KMS stack and
the infra tests' AWS accounts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.integration.processes import free_port, stop, wait_for

REGION = "eu-north-1"


@dataclass(frozen=True)
class MotoServer:
    """A running moto_server and what a client (boto3, Terraform, delta-rs) needs to reach it."""

    endpoint: str
    environ: dict[str, str]  # what a deployment sets: credentials, region, endpoint

    def client(self, service: str = "s3"):
        """A boto3 client of ``service`` on this server, with its credentials."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.environ["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.environ["AWS_SECRET_ACCESS_KEY"],
        )


@contextmanager
def moto_server(folder: Path, key_id: str, secret: str, *, managed_policies: bool = False) -> Iterator[MotoServer]:
    """Start moto_server on a free port of 127.0.0.1 (its log in ``folder/moto.log``) and stop it on exit.

    ``managed_policies`` loads AWS's managed IAM policies (ReadOnlyAccess etc.), which Terraform's IAM
    attachments need and which slow the server's start.
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "moto.log"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"} if managed_policies else None
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    endpoint = f"http://127.0.0.1:{port}"
    environ = {
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
    }
    try:
        wait_for(f"{endpoint}/moto-api/", server, log, "moto_server")
        yield MotoServer(endpoint, environ)
    finally:
        stop(server)
