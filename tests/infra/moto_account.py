"""An AWS account on 127.0.0.1: moto_server with AWS's managed IAM policies loaded, one server per environment
(each environment is its own account in the plan, so account-wide singletons such as the password policy,
GuardDuty's detector and the roles dqalq-admin/dqalq-readonly do not collide)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.moto_server import MotoServer, moto_server

MotoAccount = MotoServer  # what Terraform and boto3 need to reach one environment's account


@contextmanager
def moto_account(folder: Path) -> Iterator[MotoAccount]:
    """Start one environment's account on a free port of 127.0.0.1 and stop it on exit."""
    with moto_server(
        folder, "datalive-infra-key-id", "datalive-infra-secret-never-printed", managed_policies=True
    ) as server:
        yield server
