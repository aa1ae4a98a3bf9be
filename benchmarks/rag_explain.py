"""Explain latency with 100,000 indexed chunks, and index build throughput, on the bundled Volve sample.

1. Gold for the whole sample (``datalive run --sample`` in a temporary home, or ``--home`` to reuse one).
2. A full index build from scratch: chunks per second and embedding model calls per second.
3. The collection grown to 100,000 chunks with copies of the real chunks (same text, metadata and vectors,
   new ids: every filter then matches several times more chunks than in reality, a pessimistic load).
4. ``explain`` on every question of the evaluation set (after the engine's warm-up and one question): p50 / p95
   latency.

Usage: python -m benchmarks.rag_explain [--home PATH] [--chunks 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.results import write_result

DATALIVE = str(Path(sys.executable).parent / "datalive")


def main() -> None:
    """Run the benchmark and print its figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", help="an existing DATALIVE_HOME whose dev gold holds the whole sample")
    parser.add_argument("--chunks", type=int, default=100_000)
    args = parser.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="datalive-rag-bench-"))
    os.environ["DATALIVE_HOME"] = str(home)
    os.environ["DA_ENV"] = "dev"
    if not args.home:
        subprocess.run([DATALIVE, "run", "--sample"], check=True, capture_output=True)

    from da_platform.env import load_settings
    from da_platform.rag.build import environment_chunks
    from da_platform.rag.embedder import MiniLMEmbedder
    from da_platform.rag.evaluation import load_eval_set
    from da_platform.rag.index import update_index
    from da_platform.rag.service import open_explainer
    from da_platform.rag.store import DuckDBVectorStore

    settings = load_settings()
    bench = replace(settings, home=home / "bench")  # a separate environment home: the dev index stays as it is
    shutil.rmtree(bench.env_root / "rag", ignore_errors=True)  # the build below is from scratch
    bench.env_root.mkdir(parents=True, exist_ok=True)
    (bench.env_root / "warehouse").mkdir(exist_ok=True)
    target = bench.warehouse_path
    if not target.exists():
        target.symlink_to(settings.warehouse_path)
    chunks = environment_chunks(settings)
    embedder = MiniLMEmbedder()
    embedder.embed(["warm-up"])
    store = DuckDBVectorStore.for_settings(bench)
    build = update_index(store, embedder, chunks)
    # Grow to the target size with copies of the real chunks and their stored vectors.
    con = store._connection()
    vectors = dict(
        (i, np.asarray(v, dtype=np.float32))
        for i, v in con.execute(f"SELECT id, embedding FROM {store.collection}").fetchall()
    )
    copies, n = [], 0
    while len(chunks) + len(copies) < args.chunks:
        n += 1
        copies.extend(replace(c, id=f"{c.id}~copy{n}") for c in chunks)
    copies = copies[: args.chunks - len(chunks)]
    started = time.perf_counter()
    for start in range(0, len(copies), 20_000):
        part = copies[start : start + 20_000]
        store.upsert(part, np.stack([vectors[c.id.rsplit("~", 1)[0]] for c in part]))
    insert_seconds = time.perf_counter() - started
    total = store.count()
    store.close()

    opened = time.perf_counter()
    explainer = open_explainer(bench, embedder=embedder)
    explainer.warm_up()  # the model and the forecast kernels, as the API's engine loads them after opening
    explainer.explain("Why did Volve oil drop on 2016-03-14?")  # loads gold metadata and the keyword index
    warm_seconds = time.perf_counter() - opened
    latencies, by_kind = [], {}
    for item in load_eval_set():
        started = time.perf_counter()
        explainer.explain(item["question"])
        ms = (time.perf_counter() - started) * 1000
        latencies.append(ms)
        by_kind.setdefault(item["kind"], []).append(ms)
    latencies.sort()
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "index_build_from_scratch": {
            "chunks": build.chunks,
            "seconds": round(build.seconds, 2),
            "chunks_per_second": round(build.chunks / build.seconds, 1),
            "model_calls": build.model_calls,
            "model_calls_per_second": round(build.model_calls / build.seconds, 1),
        },
        "grown_collection": {"chunks": total, "insert_chunks_per_second": round(len(copies) / insert_seconds)},
        "open_and_first_explain_seconds": round(warm_seconds, 2),
        "explain_ms": {
            "questions": len(latencies),
            "p50": round(statistics.median(latencies), 1),
            "p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
            "max": round(latencies[-1], 1),
            "p95_by_kind": {k: round(sorted(v)[min(len(v) - 1, int(0.95 * len(v)))], 1) for k, v in by_kind.items()},
        },
    }
    write_result("rag_explain", report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
