"""``datalive status`` and ``datalive report``: what the lakehouse holds, and the daily production report."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from da_platform.cli.common import say

QUARANTINE_LINES = 6  # (file, rule) pairs in the summary; `status --json` has them all


def print_summary(summary: dict[str, Any], seconds: float) -> None:
    """The status a person reads after a run (and from ``datalive status``): counts per layer, quarantine
    by file and rule, checks, freshness and the pending window."""
    layers = summary["layers"]
    rejected = layers.get("rejected_files", {"files": 0, "by_rule": {}, "names": []})
    say(
        f"summary ({seconds:.1f} s): raw {layers['raw']['rows']} files · bronze {layers['bronze']['rows']} rows · "
        f"silver {layers['silver']['rows']} rows · quarantine {layers['quarantine']['rows']} rows · "
        f"gold {layers['gold']['rows']} well-days · rejected files {rejected['files']}"
    )
    by_file = layers["quarantine"].get("by_file", [])
    for item in by_file[:QUARANTINE_LINES]:
        say(f"   quarantined {item['rows']} rows of {item['file']}: {item['rule']}")
    if len(by_file) > QUARANTINE_LINES:
        rest = sum(item["rows"] for item in by_file[QUARANTINE_LINES:])
        pairs = len(by_file) - QUARANTINE_LINES
        say(f"   and {rest} more rows in {pairs} more (file, rule) pairs: datalive status --json")
    if rejected["files"]:
        say(f"   rejected whole: {', '.join(rejected['names'][:5])} {rejected['by_rule']}")
    failed = [c for c in summary["checks"] if c["passed"] is False]
    passed = sum(1 for c in summary["checks"] if c["passed"])
    not_run = sum(1 for c in summary["checks"] if c["passed"] is None)
    say(f"checks: {passed} passed, {len(failed)} failed, {not_run} not run")
    for check in failed:
        say(f"   FAIL {check['asset']}:{check['name']} ({check['severity']})")
    for layer, verdict in summary.get("freshness", {}).items():
        state = "fresh" if verdict["fresh"] else f"STALE, {verdict['overdue_hours']} h overdue"
        state = f"unknown: {layer} could not be read ({verdict['error']})" if verdict.get("error") else state
        say(f"freshness {layer}: newest day {verdict['newest_day']}, due {verdict['due_day']} ({state})")
    _print_pending(summary["pending"], failed, not_run)


def _print_pending(pending: dict[str, Any], failed: list, not_run: int) -> None:
    if pending.get("writer"):
        say(f"being written now by {pending['writer']}")
    if pending.get("error"):
        say(f"pending window unknown: {pending['error']}")
    elif pending["up_to_date"] and not failed and not not_run:
        say("up to date: bronze, silver, gold and their checks agree")
    elif pending["up_to_date"]:
        say("nothing pending to rebuild, but not every check passed")
    else:
        ranges = ", ".join(f"{r['start']} .. {r['end']}" for r in pending["ranges"])
        say(f"pending (the next `datalive run` rebuilds {ranges or 'what it finds once bronze has parsed raw'}):")
        for item in pending["bronze"][:5]:
            say(f"   bronze {item['file']}: {item['reason']}")
        for layer in ("silver", "gold"):
            for item in pending[layer][:5]:
                say(f"   {layer} {item['partition']}: {item['reason']}")
            if len(pending[layer]) > 5:
                say(f"   {layer}: and {len(pending[layer]) - 5} more partitions")


def cmd_status(args: argparse.Namespace, settings) -> int:
    """Print per-layer counts, quarantine by rule and the latest check results."""
    from da_platform.definitions import build_definitions
    from da_platform.run_steps import open_instance, prepare_dbt, status

    prepare_dbt()
    summary = status(settings, open_instance(settings), build_definitions(settings))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        print_summary(summary, 0.0)
    return 0


def cmd_report(args: argparse.Namespace, settings) -> int:
    """Print the daily operational production report for one day."""
    from da_platform.gold.report import daily_report, render_text
    from da_platform.lakehouse.warehouse import open_warehouse

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        say(f"--date {args.date!r} is not a YYYY-MM-DD date")
        return 2
    report = daily_report(open_warehouse(settings), day, args.field)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(render_text(report))
    return 0 if report["wells"] else 3
