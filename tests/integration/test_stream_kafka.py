"""Stream ingestion against a real Kafka-protocol broker on 127.0.0.1: exactly-once effect into raw."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest

from da_platform.cli import main
from da_platform.env import load_settings
from da_platform.ingest.raw_zone import MANIFEST_TABLE
from da_platform.ingest.stream import BATCH_NAME, StreamIngestor, kafka_consumer
from da_platform.lakehouse.delta_lake import LocalLake
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import DAILY_CSV, SAMPLE
from tests.integration.kafka_broker import tansu_broker

pytestmark = pytest.mark.integration


class Crash(RuntimeError):
    """Stands for the process dying between the raw write and the offset commit."""


@pytest.fixture
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh in-memory broker per test: no topic or group state leaks between tests."""
    with tansu_broker(tmp_path_factory.mktemp("broker")) as bootstrap:
        yield bootstrap


def _create_topic(bootstrap: str, topic: str, partitions: int = 2) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the futures resolve
    for future in admin.create_topics([NewTopic(topic, partitions)]).values():
        future.result(10)


def _produce(bootstrap: str, topic: str, lines: list[bytes]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    for line in lines:
        producer.produce(topic, key=line.split(b",")[1], value=line)
    assert producer.flush(10) == 0


def _volve_rows(first: str, last: str) -> list[bytes]:
    lines = DAILY_CSV.read_bytes().splitlines()[1:]
    return [line for line in lines if first.encode() <= line[:10] <= last.encode()]


def _ingestor(settings, bootstrap: str) -> StreamIngestor:
    lake = LocalLake(settings.lake_root, settings.isolation_key)
    return StreamIngestor(kafka_consumer(bootstrap, settings.stream_group), settings.stream_topic,
                          settings.landing_dir, lake)  # fmt: skip


def _stream_lines(landing: Path) -> list[bytes]:
    return [line for p in sorted((landing / "daily").glob("stream_*.csv")) for line in p.read_bytes().splitlines()[1:]]


def test_a_crash_between_raw_write_and_commit_replays_without_duplicates(
    broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dbt_manifest: Path
) -> None:
    for name in DEPLOYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATALIVE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DATALIVE_KAFKA_BOOTSTRAP", broker)
    settings = load_settings()
    sent = _volve_rows("2014-05-01", "2014-05-31")  # whole months: the reported sheet covers them
    _create_topic(broker, settings.stream_topic)
    _produce(broker, settings.stream_topic, sent)

    def crash() -> None:
        raise Crash

    first = _ingestor(settings, broker)
    with pytest.raises(Crash):
        first.consume(max_batches=5, batch_messages=20, batch_seconds=2, after_raw_write=crash)
    first.close()  # no commit happened: the broker would hand the same messages out again
    written_before_crash = len(_stream_lines(settings.landing_dir))
    assert 0 < written_before_crash < len(sent)

    second = _ingestor(settings, broker)
    report = second.consume(max_batches=50, batch_messages=50, batch_seconds=2, idle_seconds=30, stop_at_end=True)
    second.close()
    assert report.messages == len(sent) - written_before_crash
    assert sorted(_stream_lines(settings.landing_dir)) == sorted(sent)  # every row once, none twice
    manifest = LocalLake(settings.lake_root, settings.isolation_key).read(MANIFEST_TABLE)
    assert sorted(manifest["file_name"].to_list()) == sorted(
        p.name for p in (settings.landing_dir / "daily").glob("stream_*.csv")
    )
    ranges = sorted(
        (int(m["partition"]), int(m["first"]), int(m["last"]))
        for m in map(BATCH_NAME.match, manifest["file_name"].to_list())
    )
    for (p1, _, last), (p2, first_offset, _) in pairwise(ranges):
        assert p1 != p2 or first_offset == last + 1  # contiguous offsets per partition: no gap, no overlap

    for kind in ("monthly", "reference"):
        shutil.copytree(SAMPLE / kind, settings.landing_dir / kind)
    assert main(["run", "--only", "lakehouse"]) == 0
    silver = LocalLake(settings.lake_root, settings.isolation_key)
    rows = silver.read("silver/well_day_production").height + silver.read("silver/well_day_injection").height
    quarantined = silver.read("silver/quarantine").height
    assert rows + quarantined == len(sent)
    assert pl.read_csv(settings.landing_dir / "monthly" / "volve_monthly_production.csv").height > 0


def test_each_environment_consumes_only_its_own_topic(broker: str, tmp_path: Path) -> None:
    dev = load_settings({"DATALIVE_HOME": str(tmp_path)}, cwd=tmp_path)
    qa = load_settings(
        {"DATALIVE_HOME": str(tmp_path), "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
         "DAGSTER_CLOUD_PULL_REQUEST_ID": "7", "DAGSTER_CLOUD_DEPLOYMENT_NAME": "pr-7"},
        cwd=tmp_path,
    )  # fmt: skip
    assert dev.stream_topic != qa.stream_topic and dev.stream_group != qa.stream_group
    for settings in (dev, qa):
        _create_topic(broker, settings.stream_topic)
    _produce(broker, dev.stream_topic, _volve_rows("2014-06-01", "2014-06-02"))

    qa_ingestor = _ingestor(qa, broker)
    report = qa_ingestor.consume(max_batches=5, batch_seconds=1, idle_seconds=30, stop_at_end=True)
    qa_ingestor.close()
    assert report.messages == 0
    assert not (qa.landing_dir / "daily").exists()
