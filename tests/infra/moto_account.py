"""An AWS account on 127.0.0.1: moto_server with AWS's managed IAM policies loaded, one server per environment
(each environment is its own account in the plan, so account-wide singletons such as the password policy,
GuardDuty's detector and the roles dqalq-admin/dqalq-readonly do not collide)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.integration.object_stores import REGION, _wait_for
from tests.integration.processes import free_port, stop


@dataclass(frozen=True)
class MotoAccount:
    """A running moto_server and what a client (boto3, Terraform, delta-rs) needs to reach it."""

    endpoint: str
    environ: dict[str, str]

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.environ["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.environ["AWS_SECRET_ACCESS_KEY"],
        )


@contextmanager
def moto_account(folder: Path) -> Iterator[MotoAccount]:
    """Start moto_server on a free port of 127.0.0.1 and stop it on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},  # ReadOnlyAccess etc. exist
        )
    endpoint = f"http://127.0.0.1:{port}"
    environ = {
        "AWS_ACCESS_KEY_ID": "datalive-infra-key-id",
        "AWS_SECRET_ACCESS_KEY": "datalive-infra-secret-never-printed",
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
    }
    try:
        _wait_for(f"{endpoint}/moto-api/", server, log, "moto_server")
        yield MotoAccount(endpoint, environ)
    finally:
        stop(server)
