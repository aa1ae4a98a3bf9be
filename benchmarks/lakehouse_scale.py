"""Lakehouse scale (issue 5): land -> gold for synthetic operators of N wells x Y years, against the
hand-written DuckDB script that does the same cleaning and aggregation (benchmarks/reference_duckdb.sql);
the cost of one new day on top of one month vs Y years of history; and Dagster's own overhead.

Every figure is a median of ``--repeat`` runs, each in a fresh DATALIVE_HOME; pipeline and reference run
side by side on the same files; peak memory is the maximum resident set of the measured process tree
(GNU time). Results are printed and written as JSON to ``--out``.

Usage: python -m benchmarks.lakehouse_scale [--wells 1000,10000] [--years 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REFERENCE_SQL = Path(__file__).with_name("reference_duckdb.sql")
TIME = shutil.which("time", path="/usr/bin")
START = date(2020, 1, 1)


def _lakehouse_run(landing: Path) -> list[str]:
    """`datalive run --only lakehouse`: this benchmark measures raw → gold, not the forecasts and index."""
    return [str(BIN / "datalive"), "run", "--only", "lakehouse", "--landing", str(landing)]


def _measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of a command; it must succeed."""
    prefix = [TIME, "-f", "maxrss_kb=%M"] if TIME else []
    started = time.perf_counter()
    done = subprocess.run([*prefix, *command], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    found = re.findall(r"maxrss_kb=(\d+)", done.stderr)
    return wall, (int(found[-1]) / 1024 if found else float("nan"))


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "DATALIVE_HOME": str(home), "DA_ENV": "dev"}


def _generate(out: Path, wells: int, days: int) -> None:
    subprocess.run(
        [str(BIN / "datalive"), "generate", "--wells", str(wells), "--days", str(days), "--out", str(out)],
        check=True,
        capture_output=True,
        env=_env(out.parent / "generate-home"),
    )


def _pipeline(landing: Path, scratch: Path, keep_home: bool = False) -> tuple[float, float]:
    """One land -> gold run in a fresh home (kept as ``scratch/kept-home`` when asked)."""
    home = scratch / "kept-home" if keep_home else Path(tempfile.mkdtemp(dir=scratch, prefix="home-"))
    try:
        return _measured(_lakehouse_run(landing), _env(home))
    finally:
        if not keep_home:
            shutil.rmtree(home, ignore_errors=True)


def _reference(landing: Path, scratch: Path) -> tuple[float, float]:
    database = scratch / "reference.duckdb"
    database.unlink(missing_ok=True)
    script = (
        "import duckdb, pathlib, sys\n"
        "sql = pathlib.Path(sys.argv[1]).read_text().replace('{landing}', sys.argv[2])\n"
        "duckdb.connect(sys.argv[3]).execute(sql)\n"
    )
    try:
        return _measured([sys.executable, "-c", script, str(REFERENCE_SQL), str(landing), str(database)])
    finally:
        database.unlink(missing_ok=True)


def _median(runs: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "wall_s": round(statistics.median(r[0] for r in runs), 2),
        "peak_rss_mib": round(max(r[1] for r in runs), 1),
        "runs": len(runs),
    }


def _history_days(months: int) -> int:
    """Days in ``months`` whole months from START: history ends on a month boundary, as reported months do."""
    end = date(START.year + (START.month - 1 + months) // 12, (START.month - 1 + months) % 12 + 1, 1)
    return (end - START).days


def throughput(wells: int, years: int, repeat: int, scratch: Path, new_day: bool = False) -> dict:
    """Land -> gold for ``wells`` x ``years`` years, pipeline and reference alternated run by run.

    With ``new_day``, the last run's environment then lands ``repeat`` more days, one run each: the
    incremental cost on top of the whole history, measured without building that history again.
    """
    landing = scratch / f"landing-{wells}"
    history_days = _history_days(12 * years)
    _generate(landing, wells, history_days)
    ours, ref, day = [], [], []
    for i in range(repeat):
        keep = new_day and i == repeat - 1
        ours.append(_pipeline(landing, scratch, keep_home=keep))
        ref.append(_reference(landing, scratch))
        if keep:
            home = scratch / "kept-home"
            for k in range(repeat):  # successive new days: a median without rebuilding the history
                _one_more_day(landing, START + timedelta(days=history_days + k))
                day.append(_measured(_lakehouse_run(landing), _env(home)))
            shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(landing, ignore_errors=True)
    result = {"wells": wells, "years": years, "pipeline": _median(ours), "reference_duckdb": _median(ref)}
    result["ratio"] = round(result["pipeline"]["wall_s"] / result["reference_duckdb"]["wall_s"], 2)
    if day:
        result["new_day_on_history"] = _median(day)
    return result


def _one_more_day(landing: Path, day: date) -> None:
    """Copy the last day's rows of every well to ``day``: one new daily file, as an operator would land it."""
    files = sorted((landing / "daily").glob("*.csv"))
    lines = files[-1].read_text(encoding="utf-8").splitlines()
    last = max(line[:10] for line in lines[1:])
    rows = [day.isoformat() + line[10:] for line in lines[1:] if line.startswith(last)]
    (landing / "daily" / f"daily_{day.isoformat()}.csv").write_text("\n".join([lines[0], *rows]) + "\n")


def incremental(wells: int, history_months: int, repeat: int, scratch: Path) -> dict:
    """Wall time of landing one new day on top of ``history_months`` whole months of history.

    The new day opens a month the reported monthly sheet does not cover yet, as in operation (a closed
    month is reported after it ends); a day added to an already reported month would rightly fail the
    reconciliation check.
    """
    history_days = _history_days(history_months)
    landing = scratch / f"landing-inc-{wells}-{history_months}"
    runs = []
    for _ in range(repeat):
        shutil.rmtree(landing, ignore_errors=True)
        _generate(landing, wells, history_days)
        home = Path(tempfile.mkdtemp(dir=scratch, prefix="home-"))
        try:
            _measured(_lakehouse_run(landing), _env(home))
            _one_more_day(landing, START + timedelta(days=history_days))
            runs.append(_measured(_lakehouse_run(landing), _env(home)))
        finally:
            shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(landing, ignore_errors=True)
    return {"wells": wells, "history_months": history_months, "new_day": _median(runs)}


def dagster_overhead(repeat: int, scratch: Path) -> dict:
    """Code-location load time, and per-asset cost of no-op assets on a SQLite instance like dev's."""
    load = [
        _measured([sys.executable, "-c", "from da_platform.definitions import defs; defs()"],
                  _env(scratch / "load-home"))[0]
        for _ in range(repeat)
    ]  # fmt: skip
    script = (
        "import sys, time, dagster as dg\n"
        "n = int(sys.argv[1])\n"
        "assets = [dg.asset(name=f'a{i}')(lambda: None) for i in range(n)]\n"
        "instance = dg.DagsterInstance.from_config(sys.argv[2])\n"
        "defs = dg.Definitions(assets=assets)\n"
        "t = time.perf_counter()\n"
        "dg.materialize(assets, instance=instance)\n"
        "print(time.perf_counter() - t)\n"
    )
    per_asset = []
    for i in range(repeat):
        home = scratch / f"dagster-{i}"
        home.mkdir()
        command = [sys.executable, "-c", script, "40", str(home)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        per_asset.append(float(out.stdout.strip().splitlines()[-1]) / 40)
    return {
        "process_start_and_code_location_load_s": round(statistics.median(load), 2),
        "per_noop_asset_ms": round(statistics.median(per_asset) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wells", default="1000,10000", help="comma-separated well counts")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--incremental-wells", type=int, default=10000)
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "lakehouse_scale.json"))
    args = parser.parse_args()

    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    report: dict = {"machine": {"cores": os.cpu_count(), "memory_gib": round(memory_gib)}, "throughput": []}
    print(f"machine: {os.cpu_count()} cores, {memory_gib:.0f} GiB; median of {args.repeat} runs", flush=True)
    with tempfile.TemporaryDirectory(prefix="datalive-scale-") as tmp:
        scratch = Path(tmp)
        report["dagster"] = dagster_overhead(args.repeat, scratch)
        print(f"dagster: {report['dagster']}", flush=True)
        for wells in (int(w) for w in args.wells.split(",")):
            with_day = not args.skip_incremental and wells == args.incremental_wells
            row = throughput(wells, args.years, args.repeat, scratch, new_day=with_day)
            report["throughput"].append(row)
            print(
                f"land -> gold, {wells} wells x {args.years} y: pipeline {row['pipeline']['wall_s']} s "
                f"({row['pipeline']['peak_rss_mib']} MiB), reference DuckDB {row['reference_duckdb']['wall_s']} s "
                f"({row['reference_duckdb']['peak_rss_mib']} MiB), ratio {row['ratio']} (target <= 1.5)",
                flush=True,
            )
        if not args.skip_incremental:
            short = incremental(args.incremental_wells, 1, args.repeat, scratch)
            measured = [r for r in report["throughput"] if "new_day_on_history" in r]
            long = (
                {"wells": args.incremental_wells, "history_months": args.years * 12,
                 "new_day": measured[0]["new_day_on_history"]}
                if measured
                else incremental(args.incremental_wells, args.years * 12, args.repeat, scratch)
            )  # fmt: skip
            ratio = round(long["new_day"]["wall_s"] / short["new_day"]["wall_s"], 2)
            report["incremental"] = {"one_month": short, f"{args.years}_years": long, "ratio": ratio}
            print(
                f"one new day, {args.incremental_wells} wells: on 1 month {short['new_day']['wall_s']} s, "
                f"on {args.years} years {long['new_day']['wall_s']} s ({long['new_day']['runs']} runs), "
                f"ratio {ratio} (target <= 1.2)",
                flush=True,
            )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
