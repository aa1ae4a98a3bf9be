"""The data commands: ``generate`` a synthetic landing, ``stream`` a topic into raw, build the explanation
``index`` and ``explain`` production with it."""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

from da_platform.cli.common import LOCKED_EXIT, say, writer_lock


def cmd_generate(args: argparse.Namespace, settings) -> int:
    """Write a synthetic operator-size landing folder (deterministic for a seed)."""
    from da_platform.ingest.synthetic import generate

    started = time.perf_counter()
    summary = generate(Path(args.out), args.wells, args.days, args.seed, date.fromisoformat(args.start))
    say(
        f"wrote {summary.daily_rows} daily rows in {summary.daily_files} files, {summary.events} events, "
        f"bad rows {summary.bad_rows} to {args.out} in {time.perf_counter() - started:.1f} s"
    )
    return 0


def cmd_stream(args: argparse.Namespace, settings) -> int:
    """Consume this environment's topic into its raw zone in micro-batches (exactly-once effect)."""
    from da_platform.ingest.stream import StreamIngestor, kafka_consumer
    from da_platform.lakehouse.delta_lake import open_lake

    bootstrap = args.bootstrap or settings.kafka_bootstrap
    if not bootstrap:
        say("datalive stream: no broker; set DATALIVE_KAFKA_BOOTSTRAP or pass --bootstrap HOST:PORT")
        return 2

    lock = writer_lock(settings, args.wait, "datalive stream")
    if lock is None:
        return LOCKED_EXIT
    with lock:
        ingestor = StreamIngestor(
            kafka_consumer(bootstrap, settings.stream_group),
            settings.stream_topic,
            settings.landing_dir,
            open_lake(settings),
        )
        try:
            report = ingestor.consume(
                args.max_batches, args.batch_messages, args.batch_seconds, args.idle_seconds, args.until_end
            )
        finally:
            ingestor.close()
    say(
        f"{settings.stream_topic}: {report.messages} messages in {len(report.batches)} batches landed in raw "
        f"({report.duplicates_dropped} replayed duplicates dropped); `datalive run` builds them to gold"
    )
    return 0


def cmd_index(args: argparse.Namespace, settings) -> int:
    """Build or refresh the explanation index of this environment (only new or changed chunks are embedded)."""
    from da_platform.rag.build import build_index

    try:
        stats = build_index(settings)
    except FileNotFoundError as exc:
        say(f"datalive index: {exc}")
        return 2
    say(
        f"index {stats.collection}: {stats.chunks} chunks, {stats.embedded} embedded, {stats.unchanged} unchanged, "
        f"{stats.removed} removed in {stats.seconds:.1f} s"
    )
    return 0


def cmd_explain(args: argparse.Namespace, settings) -> int:
    """Answer a question about production with checked numbers and citations (builds the index if missing)."""
    from da_platform.lakehouse.warehouse import open_warehouse
    from da_platform.rag.service import open_explainer
    from da_platform.rag.store import index_built

    if not index_built(settings) and open_warehouse(settings).change_marker() is not None:
        say("no explanation index yet in this environment: building it once (datalive index refreshes it)")
        if cmd_index(args, settings) != 0:
            return 2
    explanation = open_explainer(settings).explain(args.question)
    if args.json:
        print(json.dumps(explanation.to_dict(), indent=2, default=str))
    elif explanation.refused:
        print(f"refused: {explanation.reason}")
    else:
        print(explanation.answer)
        for n, citation in enumerate(explanation.to_dict()["citations"], start=1):
            print(f"  [{n}] {citation['id']}: {citation['quote']}")
    return 3 if explanation.refused else 0
