"""Stream ingestion: daily report rows from a Kafka-protocol topic into the raw zone, in micro-batches.

Each message value is one daily report row in the landing CSV layout (the bytes an operator's gateway
would put in a file); the key is free (the well, usually). A micro-batch is written as one CSV file in
the landing folder's ``daily/`` (header + the message values, byte for byte, one per line) and landed
into raw right away; bronze and silver follow through the normal graph (``datalive run`` or the landing
sensor).

Exactly-once effect: the batch file's name carries its topic partition and offset range
(``stream_<topic>_p<partition>_o<first>-<last>.csv``), and the raw zone is the source of truth for what
has been ingested. Offsets are committed to the broker only after the raw write; on start the consumer
seeks every partition past the highest offset already in raw or landing, and drops anything at or below
it. A crash after the raw write and before the commit replays those messages from the broker, and they
are dropped, not written twice. Batch boundaries need not repeat on replay: only offsets matter.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from da_platform.ingest.layouts import DAILY
from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE, LandedFile, land, sha256_of
from da_platform.lakehouse.delta_lake import Lake

HEADER = ",".join(c.source for c in DAILY.columns).encode()
BATCH_NAME = re.compile(r"^stream_(?P<topic>.+)_p(?P<partition>\d+)_o(?P<first>\d+)-(?P<last>\d+)\.csv$")


def batch_file_name(topic: str, partition: int, first: int, last: int) -> str:
    """The landing file name of a micro-batch: its partition and offset range are in it."""
    return f"stream_{topic}_p{partition}_o{first}-{last}.csv"


def ingested_offsets(topic: str, landing: Path, lake: Lake) -> dict[int, int]:
    """Highest offset per partition already written, from raw's manifest and the landing folder."""
    names = [p.name for p in (landing / "daily").glob("stream_*.csv")]
    names += lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)["file_name"].to_list()
    highest: dict[int, int] = {}
    for name in names:
        match = BATCH_NAME.match(name)
        if match and match["topic"] == topic:
            partition, last = int(match["partition"]), int(match["last"])
            highest[partition] = max(highest.get(partition, -1), last)
    return highest


@dataclass
class StreamReport:
    """What one ``consume`` call did."""

    batches: list[str] = field(default_factory=list)
    messages: int = 0
    duplicates_dropped: int = 0


def write_batch(landing: Path, topic: str, partition: int, messages: list[tuple[int, bytes]]) -> Path:
    """Write one partition's messages (offset, value) as a landing CSV, atomically (temp file + rename)."""
    first, last = messages[0][0], messages[-1][0]
    target = landing / "daily" / batch_file_name(topic, partition, first, last)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name("." + target.name + ".part")  # dot files are ignored by discovery
    temp.write_bytes(HEADER + b"\n" + b"".join(value.rstrip(b"\r\n") + b"\n" for _, value in messages))
    temp.replace(target)
    return target


class StreamIngestor:
    """Consume an environment's topic into its raw zone. ``consumer`` is a confluent_kafka Consumer (or
    anything with its ``subscribe/consume/assignment/seek/commit/close`` methods)."""

    def __init__(self, consumer: Any, topic: str, landing: Path, lake: Lake) -> None:
        self.consumer, self.topic, self.landing, self.lake = consumer, topic, landing, lake
        self.next_offset: dict[int, int] = {}
        self.at_end: set[int] = set()  # partitions whose end has been reached since the last message
        self.assigned: set[int] = set()

    def _on_assign(self, consumer: Any, partitions: list[Any]) -> None:
        # The broker's committed offset may lag raw (a crash between raw write and commit): raw wins.
        done = ingested_offsets(self.topic, self.landing, self.lake)
        for tp in partitions:
            if tp.partition in done:
                tp.offset = max(tp.offset, done[tp.partition] + 1)
            self.next_offset[tp.partition] = max(done.get(tp.partition, -1) + 1, 0)
        self.assigned = {tp.partition for tp in partitions}
        consumer.assign(partitions)

    def consume(
        self,
        max_batches: int,
        batch_messages: int = 5000,
        batch_seconds: float = 5.0,
        idle_seconds: float = 10.0,
        stop_at_end: bool = False,
        after_raw_write: Callable[[], None] | None = None,
    ) -> StreamReport:
        """Run up to ``max_batches`` micro-batches; stop early after ``idle_seconds`` without a message
        (counted from the partition assignment: joining a group can take seconds), or, with
        ``stop_at_end``, as soon as every assigned partition has been read to its end.

        ``after_raw_write`` runs between the raw write and the offset commit (a test uses it to crash there).
        """
        self.consumer.subscribe([self.topic], on_assign=self._on_assign)
        report = StreamReport()
        idle_since = time.monotonic()
        while len(report.batches) < max_batches and time.monotonic() - idle_since < idle_seconds:
            if not self.assigned:
                idle_since = time.monotonic()
            messages = self.consumer.consume(batch_messages, timeout=batch_seconds)
            by_partition: dict[int, list[tuple[int, bytes]]] = {}
            for message in messages:
                if message.error():
                    if _is_partition_end(message.error()):
                        self.at_end.add(message.partition())
                        continue
                    raise RuntimeError(f"topic {self.topic}: {message.error()}")
                partition, offset = message.partition(), message.offset()
                self.at_end.discard(partition)
                if offset < self.next_offset.get(partition, 0):
                    report.duplicates_dropped += 1
                    continue
                by_partition.setdefault(partition, []).append((offset, message.value() or b""))
            if not by_partition:
                if stop_at_end and self.assigned and self.assigned <= self.at_end:
                    break
                continue
            idle_since = time.monotonic()
            landed = []
            for partition, batch in sorted(by_partition.items()):
                path = write_batch(self.landing, self.topic, partition, batch)
                landed.append(LandedFile(path, "daily", sha256_of(path), path.stat().st_size))
                self.next_offset[partition] = batch[-1][0] + 1
                report.batches.append(path.name)
                report.messages += len(batch)
            land(self.lake, landed)
            if after_raw_write is not None:
                after_raw_write()
            self.consumer.commit(asynchronous=False)
        return report

    def close(self) -> None:
        """Leave the consumer group."""
        self.consumer.close()


def _is_partition_end(error: Any) -> bool:
    from confluent_kafka import KafkaError

    return error.code() == KafkaError._PARTITION_EOF


def kafka_consumer(bootstrap: str, group: str) -> Any:
    """A confluent_kafka Consumer with manual commits; offsets start at the earliest message."""
    from confluent_kafka import Consumer

    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            # Group joins on small brokers (tansu) take ~23 s with the default; fine for Kafka too.
            "session.timeout.ms": 6000,
            "enable.partition.eof": True,  # lets `consume(stop_at_end=True)` know it has caught up
        }
    )
