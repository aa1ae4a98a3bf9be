"""Alerts to an SNS topic on moto_server: a failed run, and a landing that stops on the object-store lake, each
publish one message, with no secret, to the environment's topic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from da_platform.defs.ops.observability import build_freshness_alert_sensor, build_run_failure_alert_sensor
from da_platform.defs.resources import build_resources
from da_platform.env import load_settings
from tests.integration.object_stores import S3Stack, s3_stack
from tests.test_alerting import _land_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Stack]:
    with s3_stack(tmp_path_factory.mktemp("moto")) as stack:
        yield stack


@pytest.fixture
def inbox(s3: S3Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, object, str]]:
    """A fresh SNS topic with an SQS queue subscribed (raw delivery), and the deployment's AWS variables set."""
    for name, value in s3.environ.items():
        monkeypatch.setenv(name, value)
    sns, sqs = s3.client("sns"), s3.client("sqs")
    name = f"dqalq-alerts-{datetime.now(UTC):%H%M%S%f}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    yield topic, sqs, queue


def _messages(sqs, queue: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])


@dg.op
def publish_gold() -> None:
    raise ConnectionError("Snowflake login failed for password=Pr0d-Pa55 at acme.snowflakecomputing.com")


@dg.job
def gold_job() -> None:
    publish_gold()


def test_a_failed_prod_run_publishes_one_critical_alert_to_the_sns_topic(tmp_path: Path, inbox) -> None:
    topic, sqs, queue = inbox
    settings = load_settings({"DATALIVE_HOME": str(tmp_path), "DA_ENV": "prod", "DATALIVE_ALERT_SNS_TOPIC_ARN": topic})
    assert settings.alert_route == "sns"
    sensor = build_run_failure_alert_sensor(settings)
    defs = dg.Definitions(jobs=[gold_job], sensors=[sensor])
    with dg.instance_for_test() as instance:
        cursor = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs)).cursor
        run = gold_job.execute_in_process(instance=instance, raise_on_error=False)
        context = dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor)
        cursor = sensor.evaluate_tick(context).cursor
        sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor))

    received = _messages(sqs, queue)
    assert len(received) == 1
    alert = json.loads(received[0]["Body"])
    assert alert["severity"] == "critical" and alert["environment"] == "prod" and alert["run_id"] == run.run_id
    assert "Snowflake login failed" in alert["detail"] and "Pr0d-Pa55" not in received[0]["Body"]


def test_a_landing_that_stops_on_the_s3_lake_publishes_one_alert(tmp_path: Path, s3: S3Stack, inbox) -> None:
    topic, sqs, queue = inbox
    settings = load_settings(
        {
            "DATALIVE_HOME": str(tmp_path / "home"),
            "DATALIVE_LAKE_URL": s3.lake_url("dev"),
            "DATALIVE_ALERT_SNS_TOPIC_ARN": topic,
            "DATALIVE_FRESHNESS_WINDOW_HOURS": "30",
        }
    )
    _land_until(settings, "2016-03-10")  # silver on S3, gold in the DuckDB warehouse
    assert not (tmp_path / "home" / "dev" / "lake").exists()
    now = {"t": datetime(2016, 3, 11, 20, tzinfo=UTC)}
    sensor = build_freshness_alert_sensor(settings, clock=lambda: now["t"])
    resources = build_resources(settings)
    picked = {"lake": resources["lake"], "warehouse": resources["warehouse"]}
    defs = dg.Definitions(sensors=[sensor], resources=picked)

    def tick(cursor: str | None) -> str | None:
        context = dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor, resources=picked)
        return sensor.evaluate_tick(context).cursor

    with dg.instance_for_test() as instance:
        cursor = tick(None)
        now["t"] = datetime(2016, 3, 13, 8, tzinfo=UTC)
        tick(tick(cursor))
    received = _messages(sqs, queue)
    assert len(received) == 1
    alert = json.loads(received[0]["Body"])
    assert alert["kind"] == "freshness_breach" and alert["asset"] == "silver/well_day_production"
    assert alert["severity"] == "info" and alert["environment"] == "dev" and "2016-03-10" in alert["detail"]
