"""``datalive run`` and ``datalive dev``: build the environment, or open the Dagster UI on it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from da_platform.cli.common import LOCKED_EXIT, audit, say, writer_lock

SAMPLE_LANDING = Path(__file__).parent.parent / "sample_data" / "landing"


def cmd_run(args: argparse.Namespace, settings) -> int:
    """Land the files of a landing folder and build raw → bronze → silver → gold for what is pending: the
    days the landing brought, and whatever a run that died or failed before left unfinished; then (unless
    ``--only lakehouse``) the forecasts and the explanation index, under the same writer lock."""
    lock = writer_lock(settings, args.wait, "datalive run")
    if lock is None:
        return LOCKED_EXIT
    with lock:
        # (recorded under the lock: a run refused by it changed nothing, and its audit append would race the
        # holder's)
        outcome = "error"
        try:
            code = _run_locked(args, settings)
            outcome = "success" if code == 0 else f"failed (exit {code})"
            return code
        finally:
            landing = "sample" if args.sample else (args.landing or str(settings.landing_dir))
            jobs = "ingest_job+daily_job" + ("" if args.only == "lakehouse" else "+forecast_job+rag_job")
            audit(settings, "run", jobs, outcome, {"landing": landing, "full": args.full, "only": args.only})


def _run_locked(args: argparse.Namespace, settings) -> int:
    from da_platform import run_steps
    from da_platform.cli.progress import TerminalReporter
    from da_platform.cli.status import print_summary

    landing = Path(args.landing).resolve() if args.landing else settings.landing_dir
    if args.sample:
        landing = SAMPLE_LANDING
    reporter = TerminalReporter(bool(getattr(args, "verbose", False)))
    started = time.perf_counter()
    say(f"datalive run · env={settings.isolation_key} · landing={landing} · home={settings.home}")
    whole = getattr(args, "only", None) != "lakehouse"
    outcome = run_steps.run(settings, landing, reporter, full=bool(args.full), whole=whole)
    if outcome.summary is None:
        return 1
    print_summary(outcome.summary, time.perf_counter() - started)
    failed_errors = [c for c in outcome.summary["checks"] if c["passed"] is False and c["severity"] == "ERROR"]
    return 0 if outcome.success and not failed_errors else 1


def cmd_dev(args: argparse.Namespace, settings) -> int:
    """Start the Dagster UI on this environment's instance (the same history `datalive run` writes)."""
    import os
    import subprocess

    from da_platform.run_steps import instance_home, prepare_dbt

    prepare_dbt()
    dagster = Path(sys.executable).parent / "dagster"
    command = [
        str(dagster if dagster.exists() else "dagster"),
        "dev",
        "-m",
        "da_platform.definitions",
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    say(f"dagster dev on http://{args.host}:{args.port} · env={settings.isolation_key}")
    return subprocess.call(command, env={**os.environ, "DAGSTER_HOME": str(instance_home(settings))})
