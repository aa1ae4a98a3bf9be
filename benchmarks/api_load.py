"""Throughput and latency of the API on 127.0.0.1 under a bounded load generator (a benchmark, not a test).

Builds a dev environment from the whole bundled Volve sample once (under ``.bench/api``, reused on later
runs; ``--rebuild`` to start over), starts ``datalive serve`` in its own process (one uvicorn worker),
and drives it from this process with ``--connections`` keep-alive HTTP/1.1 connections for ``--seconds``
per endpoint, after a warm-up; ``/rag/explain`` p50/p95 from sequential questions once the explain engine
is installed. Each ``/insights`` request is a different realistic query (level, well,
product, a 30-day window, 100 rows a page), cycled from a fixed list. Prints the machine and the
measurements as JSON. Target (issue 6): /insights ≥ 500 req/s with p99 < 50 ms on a 2-core machine.

The generator shares the machine's cores with the server, so what it measures is the pair; its own
cost is reported (CPU seconds it used) so the server's share can be judged.

Usage: python -m benchmarks.api_load [--seconds 10] [--connections 16] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.results import write_result

ROOT = Path(__file__).resolve().parents[1]
BENCH_HOME = ROOT / ".bench" / "api" / "home"
DATALIVE = str(Path(sys.executable).parent / "datalive")
WELLS = ["15/9-F-1 C", "15/9-F-11", "15/9-F-12", "15/9-F-14", "15/9-F-15 D", "15/9-F-5"]


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATALIVE_HOME": str(home),
        "DA_ENV": "dev",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        # The benchmark measures the service, not the limiter's refusals.
        "DATALIVE_API_RATE_PER_MINUTE": "100000000",
        "DATALIVE_API_BURST": "100000000",
    }


def build(home: Path, rebuild: bool) -> None:
    """The whole Volve sample through `datalive run`, the forecast asset and the explanation index
    (each skipped when present)."""
    if rebuild and home.exists():
        shutil.rmtree(home)
    if not (home / "dev" / "rag").exists() and (home / "dev" / "warehouse").exists():
        # Without an index every explain is a fast refusal, which would measure nothing.
        subprocess.run([DATALIVE, "index"], env=_env(home), check=True, capture_output=True)
    if (home / "dev" / "lake" / "forecast" / "well_daily_forecasts").exists():
        return
    print("building the Volve environment (once) …", file=sys.stderr, flush=True)
    subprocess.run([DATALIVE, "run", "--sample"], env=_env(home), check=True, capture_output=True)
    code = (
        "import dagster as dg\n"
        "from da_platform.env import load_settings\n"
        "from da_platform.defs.resources import build_resources\n"
        "from da_platform.defs.forecast.assets import well_daily_forecasts\n"
        "r = build_resources(load_settings())\n"
        "resources = {'lake': r['lake'], 'registry': r['registry']}\n"
        "assert dg.materialize([well_daily_forecasts], resources=resources).success\n"
    )
    subprocess.run([sys.executable, "-c", code], env=_env(home), check=True, capture_output=True, cwd=ROOT)
    subprocess.run([DATALIVE, "index"], env=_env(home), check=True, capture_output=True)


def create_key(home: Path) -> str:
    out = subprocess.run(
        [DATALIVE, "keys", "create", "--name", "benchmark"], env=_env(home), check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def insights_paths(n: int = 500, seed: int = 7) -> list[str]:
    """Realistic queries: field or well level, a product, a 30-day window somewhere in 2008-2016."""
    rng = random.Random(seed)
    paths = []
    for _ in range(n):
        start = date(2008, 3, 1) + timedelta(days=rng.randrange(0, 3000))
        params: dict[str, object] = {
            "product": rng.choice(["oil", "gas", "water"]),
            "start": start.isoformat(),
            "end": (start + timedelta(days=29)).isoformat(),
            "page_size": 100,
        }
        if rng.random() < 0.7:
            params["level"] = "well"
            if rng.random() < 0.6:
                params["well"] = rng.choice(WELLS)
        else:
            params |= {"level": "field", "field": "VOLVE"}
        paths.append("/insights?" + urlencode(params))
    return paths


async def _connection(
    port: int, paths: list[str], headers: bytes, stop_at: float, latencies: list[float], errors: list[int], offset: int
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + headers + b"\r\n")
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1])
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _load(port: int, paths: list[str], key: str, seconds: float, connections: int) -> dict[str, object]:
    headers = f"X-API-Key: {key}\r\n".encode()
    latencies: list[float] = []
    errors: list[int] = []
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *[_connection(port, paths, headers, stop_at, latencies, errors, c * 37) for c in range(connections)]
    )
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()

    def pct(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "requests": len(latencies),
        "non_200": len(errors),
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(1000 * statistics.fmean(latencies), 2),
        "generator_cpu_s": round(
            (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime), 2
        ),
    }


EXPLAIN_QUESTIONS = [
    "Why did oil production on 15/9-F-12 drop on 2016-03-14?",
    "Why was 15/9-F-14 down in February 2016?",
    "What explains the water cut increase on 15/9-F-11 in 2015?",
    "Why did field oil fall in March 2016?",
    "What was the weather on the platform?",
]


def explain_latency(port: int, key: str, requests: int = 40) -> dict[str, object]:
    """Sequential POST /rag/explain (one at a time: the engine is the cost, not concurrency); p50/p95."""
    latencies, statuses, refused = [], [], 0
    for i in range(requests):
        body = json.dumps({"question": EXPLAIN_QUESTIONS[i % len(EXPLAIN_QUESTIONS)]}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/rag/explain",
            data=body,
            headers={"X-API-Key": key, "Content-Type": "application/json"},
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                refused += bool(json.loads(response.read())["refused"])
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    return {
        "requests": requests,
        "statuses": sorted(set(statuses)),
        "refused": refused,  # the weather question is refused by design (1 in 5)
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p95_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
    }


def _server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, object]:
    memory = next(
        (int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line),
        None,
    )
    return {
        "cpus": os.cpu_count(),
        "memory_mib": memory,
        "cpu_model": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "python": platform.python_version(),
        "load_avg_before": os.getloadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.connections <= 256 or not 1 <= args.seconds <= 120:
        parser.error("bounded load only: 1-256 connections, 1-120 seconds")

    build(BENCH_HOME, args.rebuild)
    key = create_key(BENCH_HOME)
    port = free_port()
    server = subprocess.Popen(
        [DATALIVE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(BENCH_HOME),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    report: dict[str, object] = {"machine": machine(), "server": "datalive serve: 1 uvicorn worker (uvloop, httptools)"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    report["health"] = json.loads(response.read())
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        paths = insights_paths()
        # Warm-up: the first /insights loads the gold snapshot; the first /health opens the registry.
        asyncio.run(_load(port, paths, key, 2.0, 4))
        asyncio.run(_load(port, ["/health"], key, 1.0, 2))
        results = {}
        for name, endpoint_paths in (("/insights", paths), ("/health", ["/health"])):
            cpu_before = _server_cpu(server.pid)
            results[name] = asyncio.run(_load(port, endpoint_paths, key, args.seconds, args.connections))
            results[name]["server_cpu_s"] = round(_server_cpu(server.pid) - cpu_before, 2)
        report["connections"] = args.connections
        report["results"] = results
        insights = results["/insights"]
        report["target_insights"] = {
            "req_per_s>=500": insights["req_per_s"] >= 500,
            "p99_ms<50": insights["p99_ms"] < 50,
        }
        report["rag_explain"] = (
            explain_latency(port, key)
            if (ROOT / "da_platform" / "rag" / "service.py").exists()
            else "not measured: the explain engine (da_platform.rag.service) is not installed on this branch"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    write_result("api_load", report)
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
