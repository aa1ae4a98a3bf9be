"""Alerts to an SNS topic on moto_server: a failed run publishes one message, with no secret, to the topic."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from da_platform.defs.observability import build_run_failure_alert_sensor
from da_platform.env import load_settings
from tests.integration.object_stores import REGION, _wait_for
from tests.integration.processes import free_port, stop

pytestmark = pytest.mark.integration
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "datalive-test-key-id", "AWS_SECRET_ACCESS_KEY": "datalive-test-secret"}


@pytest.fixture
def moto_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto_server on 127.0.0.1, with the variables a deployment would set for boto3."""
    port = free_port()
    log = tmp_path / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{endpoint}/moto-api/", server, log, "moto_server")
        for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": REGION}.items():
            monkeypatch.setenv(name, value)
        yield endpoint
    finally:
        stop(server)


@dg.op
def publish_gold() -> None:
    raise ConnectionError("Snowflake login failed for password=Pr0d-Pa55 at acme.snowflakecomputing.com")


@dg.job
def gold_job() -> None:
    publish_gold()


def test_a_failed_prod_run_publishes_one_critical_alert_to_the_sns_topic(tmp_path: Path, moto_endpoint: str) -> None:
    import boto3

    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="dqalq-alerts-prod-eu-north-1")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    settings = load_settings({"DATALIVE_HOME": str(tmp_path), "DA_ENV": "prod", "DATALIVE_ALERT_SNS_TOPIC_ARN": topic})
    assert settings.alert_route == "sns"
    sensor = build_run_failure_alert_sensor(settings)
    defs = dg.Definitions(jobs=[gold_job], sensors=[sensor])
    with dg.instance_for_test() as instance:
        cursor = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs)).cursor
        run = gold_job.execute_in_process(instance=instance, raise_on_error=False)
        cursor = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor)
        ).cursor
        sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor))

    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert len(received) == 1
    alert = json.loads(received[0]["Body"])
    assert alert["severity"] == "critical" and alert["environment"] == "prod" and alert["run_id"] == run.run_id
    assert "Snowflake login failed" in alert["detail"] and "Pr0d-Pa55" not in received[0]["Body"]
