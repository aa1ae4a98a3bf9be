"""The operations commands: ``audit``, ``restore``, ``retention``, ``dr drill``, ``cleanup`` and ``doctor``."""

from __future__ import annotations

import argparse
import json
from datetime import UTC

from da_platform.catalog import RAW_FILES
from da_platform.cli.common import LOCKED_EXIT, audit, parse_time, registry, say, writer_lock


def cmd_cleanup(args: argparse.Namespace, settings) -> int:
    """Drop a closed pull request's branch-deployment resources (qa/pr-N); refuses anything else."""
    from dataclasses import replace

    from da_platform.cleanup import CleanupRefused, drop_branch, plan_cleanup

    target = replace(settings, env="qa", pr_id=str(args.pr))
    try:
        if args.yes:  # dropping holds the branch deployment's writer lock, so no run of it writes meanwhile
            lock = writer_lock(target, args.wait, "datalive cleanup")
            if lock is None:
                return LOCKED_EXIT
            with lock:
                plan = drop_branch(target)
        else:
            plan = plan_cleanup(target)
    except CleanupRefused as exc:
        say(f"refused: {exc}")
        return 1
    if args.yes:
        outcome = "nothing to drop" if plan.is_empty else "dropped"
        audit(settings, "pr.cleanup", target.isolation_key, outcome, {"dropped": plan.describe()[:500]})
    if plan.is_empty:
        say(f"pull request {plan.pr_id}: nothing to drop at {plan.folder}")
    elif args.yes:
        say(f"pull request {plan.pr_id}: dropped {plan.describe()}")
    else:
        say(f"pull request {plan.pr_id}: would drop {plan.describe()} (pass --yes to do it)")
    return 0


def cmd_doctor(args: argparse.Namespace, settings) -> int:
    """Print the readiness checklist of this environment (or of --env); exit 1 if a required check fails."""
    from dataclasses import replace

    from da_platform.doctor import SNOWFLAKE_SECRETS, ready, render, run_checks
    from da_platform.env import variables_present

    if args.env and args.env != settings.env:
        settings = replace(settings, env=args.env, pr_id=None)
    checks = run_checks(settings, variables_present(SNOWFLAKE_SECRETS))
    print(f"datalive doctor · {settings.isolation_key}")
    print(render(checks))
    return 0 if ready(checks) else 1


def cmd_audit(args: argparse.Namespace, settings) -> int:
    """Show this environment's audit trail, or verify its hash chain."""
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops import audit as trail

    lake = open_lake(settings)
    if args.audit_command == "verify":
        try:
            count = trail.verify(lake)
        except trail.AuditTampered as exc:
            say(f"datalive audit verify: {exc}")
            return 1
        say(f"audit trail of {settings.isolation_key}: {count} records, chain and history verified")
        return 0
    since = parse_time(args.since, "--since") if args.since else None
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    records = trail.read(lake, since)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], indent=2))
    elif records:
        print(trail.render(records))
    else:
        say(f"no audit records in {settings.isolation_key}" + (f" since {since.isoformat()}" if since else ""))
    return 0


def cmd_restore(args: argparse.Namespace, settings) -> int:
    """Restore a lake table by time travel, rebuild the warehouse from silver, or recover raw files."""
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops.restore import (
        RestoreRefused,
        rebuild_warehouse,
        recover_deleted_commits,
        recover_raw,
        restore_table,
        table_summary,
    )

    lake = open_lake(settings)
    chosen = [bool(args.table), args.warehouse, args.raw]
    if sum(chosen) != 1:
        say("datalive restore: give one of --table <asset key>, --warehouse or --raw")
        return 2
    if args.table and args.history:
        if not lake.exists(args.table):
            say(f"datalive restore: {args.table} is not a Delta table in {settings.isolation_key}'s lake")
            return 2
        print(table_summary(lake, args.table))
        return 0
    try:
        if args.table and args.deleted_commits:
            commits = recover_deleted_commits(lake, args.table, settings.region)
            action, target, detail = "restore.commits", args.table, {"commits": commits}
            message = f"{args.table}: {len(commits)} deleted commits put back ({', '.join(commits) or 'none missing'})"
        elif args.table:
            as_of = parse_time(args.as_of, "--as-of") if args.as_of else None
            table = restore_table(lake, args.table, version=args.version, as_of=as_of)
            action, target, detail, message = "restore.table", args.table, dict(table.__dict__), table.describe()
        elif args.warehouse:
            rebuilt = rebuild_warehouse(settings, lake)
            action, target, detail = "restore.warehouse", settings.warehouse_path.name, dict(rebuilt.silver_rows)
            message = rebuilt.describe()
        else:
            raw = recover_raw(lake, settings.region)
            action, target, detail = "restore.raw", RAW_FILES.path, {"recovered": raw.recovered}
            message = raw.describe()
    except RestoreRefused as exc:
        say(f"refused: {exc}")
        what = args.table or ("warehouse" if args.warehouse else RAW_FILES.path)
        audit(settings, "restore", what, "refused", {"reason": str(exc)[:300]})
        return 1
    audit(settings, action, target, "ok", detail)
    say(f"restored {message}")
    return 0


def cmd_retention(args: argparse.Namespace, settings) -> int:
    """Show (or with --apply carry out) this environment's retention: vacuum, MLflow runs, quarantine."""
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops.restore import republish_silver_views
    from da_platform.ops.retention import retention

    lake = open_lake(settings)
    if args.apply:  # the views on the current version first: a vacuum never deletes a file they name
        republish_silver_views(settings, lake)
    plan = retention(lake, settings.retention, registry(settings).target(), apply=args.apply)
    if args.apply:
        republish_silver_views(settings, lake)  # and without the quarantined rows retention deleted
        audit(settings, "retention", settings.isolation_key, "applied", plan.counts())
    print(f"retention · {settings.isolation_key}" + ("" if args.apply else " (dry run: --apply to remove)"))
    print(plan.describe())
    return 0


def cmd_dr(args: argparse.Namespace, settings) -> int:
    """Run the disaster-recovery drill in this (non-prod) environment and print its recovery time."""
    from da_platform.cli.progress import TerminalReporter
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops import audit as trail
    from da_platform.ops.drill import DrillRefused, drill
    from da_platform.run_steps import rebuild_pending_silver

    lake = open_lake(settings)

    def run_pending() -> list[str]:
        return rebuild_pending_silver(settings, TerminalReporter())

    try:
        report = drill(settings, lake, trail.cli_actor(), run_pending=run_pending)
    except DrillRefused as exc:
        say(f"refused: {exc}")
        if settings.env != "prod":
            audit(settings, "dr.drill", settings.isolation_key, "refused", {"reason": str(exc)[:300]})
        return 1
    print(report.describe())
    return 0 if report.passed else 1
