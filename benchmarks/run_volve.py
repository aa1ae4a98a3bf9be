"""Wall time of `datalive run` on the bundled Volve sample, of one incremental day, and of loading the
code location. Each figure is the median of several runs, each in a fresh temporary home.

Usage: python -m benchmarks.run_volve [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "da_platform" / "sample_data" / "landing"
DATALIVE = str(Path(sys.executable).parent / "datalive")


def _run(args: list[str], home: Path) -> float:
    env = {**os.environ, "DATALIVE_HOME": str(home), "DA_ENV": "dev"}
    started = time.perf_counter()
    subprocess.run([DATALIVE, *args], env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def _next_day_file(landing: Path) -> None:
    """One new day (2016-12-02) for every well that reported on the last Volve day."""
    lines = (SAMPLE / "daily" / "volve_daily_production.csv").read_text(encoding="utf-8").splitlines()
    last_day = [line for line in lines[1:] if line.startswith("2016-12-01")]
    (landing / "daily").mkdir(parents=True, exist_ok=True)
    body = "\n".join(["2016-12-02" + line[10:] for line in last_day])
    (landing / "daily" / "report_2016-12-02.csv").write_text(f"{lines[0]}\n{body}\n", encoding="utf-8")


def measure(repeat: int) -> dict[str, object]:
    """Run every measurement ``repeat`` times and return medians with the raw samples."""
    full, incremental, load, whole, whole_day = [], [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            home, landing = Path(tmp) / "home", Path(tmp) / "landing"
            shutil.copytree(SAMPLE, landing)
            full.append(_run(["run", "--only", "lakehouse", "--landing", str(landing)], home))
            _next_day_file(landing)
            incremental.append(_run(["run", "--only", "lakehouse", "--landing", str(landing)], home))
        # The default `datalive run`: the whole graph (forecasts, champion, explanation index), then a new day
        # on top, which refits only the wells whose rows changed and embeds only changed chunks.
        with tempfile.TemporaryDirectory() as tmp:
            home, landing = Path(tmp) / "home", Path(tmp) / "landing"
            shutil.copytree(SAMPLE, landing)
            whole.append(_run(["run", "--landing", str(landing)], home))
            _next_day_file(landing)
            whole_day.append(_run(["run", "--landing", str(landing)], home))
            code = (
                "import time; t=time.perf_counter(); from da_platform.definitions import defs; defs(); "
                "print(time.perf_counter()-t)"
            )
            out = subprocess.run(
                [sys.executable, "-c", code],
                env={**os.environ, "DATALIVE_HOME": str(home)},
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            load.append(float(out.stdout.strip().splitlines()[-1]))
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "machine": {
            "cores": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(),
        },
        "repeat": repeat,
        "datalive_run_volve_s": {"median": statistics.median(full), "samples": full},
        "incremental_one_day_s": {"median": statistics.median(incremental), "samples": incremental},
        "whole_graph_first_run_s": {"median": statistics.median(whole), "samples": whole},
        "whole_graph_new_day_s": {"median": statistics.median(whole_day), "samples": whole_day},
        "code_location_load_s": {"median": statistics.median(load), "samples": load},
        "peak_child_rss_mib": round(peak_mib, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.repeat)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "volve.json").write_text(json.dumps(results, indent=2))
    m = results["machine"]
    print(f"machine: {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}; median of {args.repeat} runs")
    print(f"datalive run (Volve, 15,634 rows, raw → gold): {results['datalive_run_volve_s']['median']:.1f} s")
    print(f"one incremental day on top of it:               {results['incremental_one_day_s']['median']:.1f} s")
    print(f"datalive run, whole graph (+ forecasts, index): {results['whole_graph_first_run_s']['median']:.1f} s")
    print(f"one new day on top of the whole graph:          {results['whole_graph_new_day_s']['median']:.1f} s")
    print(f"code-location load (import + definitions):      {results['code_location_load_s']['median']:.2f} s")
    print(f"peak memory of one datalive process:            {results['peak_child_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
