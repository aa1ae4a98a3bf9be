"""The ``datalive`` command line: argument parsing here, one module per command group, printing only.

``run`` and ``dev`` (:mod:`.run`), ``status`` and ``report`` (:mod:`.status`), ``forecast``, ``backtest`` and
``models`` (:mod:`.forecast`), the operations commands ``audit``, ``restore``, ``retention``, ``dr``,
``cleanup`` and ``doctor`` (:mod:`.ops`), ``serve`` and ``keys`` (:mod:`.serve`), and ``generate``,
``stream``, ``index`` and ``explain`` (:mod:`.data`). What a run executes is ``da_platform.run_steps``'s
and what it starts is ``da_platform.triggers``'; the commands parse, call and print.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from da_platform.catalog import SILVER_PRODUCTION
from da_platform.cli.common import WAIT_HELP, locked, quiet_libraries, say
from da_platform.cli.data import cmd_explain, cmd_generate, cmd_index, cmd_stream
from da_platform.cli.forecast import cmd_backtest, cmd_forecast, cmd_models
from da_platform.cli.ops import cmd_audit, cmd_cleanup, cmd_doctor, cmd_dr, cmd_restore, cmd_retention
from da_platform.cli.run import cmd_dev, cmd_run
from da_platform.cli.serve import cmd_keys, cmd_serve, positive_hours
from da_platform.cli.status import cmd_report, cmd_status
from da_platform.shutdown import exit_with


def build_parser() -> argparse.ArgumentParser:
    """The ``datalive`` argument parser: every command and its options."""
    parser = argparse.ArgumentParser(prog="datalive", description="DatAlive production-analytics lakehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="land files and build raw → bronze → silver → gold")
    run.add_argument(
        "--landing", help="folder with daily/, monthly/ and reference/ (default: the environment's landing)"
    )
    run.add_argument("--sample", action="store_true", help="use the bundled Volve sample as the landing folder")
    run.add_argument(
        "--full",
        action="store_true",
        help="re-hash every landing file and rebuild every day found in bronze, not only new ones",
    )
    run.add_argument("--wait", action="store_true", help=WAIT_HELP)
    run.add_argument(
        "--only",
        choices=["lakehouse"],
        help="lakehouse: raw → gold only, no forecasts or explanation index (default: the whole graph)",
    )
    run.add_argument("--verbose", action="store_true", help="every check and step, tracebacks, library output")
    report = sub.add_parser("report", help="daily operational production report")
    report.add_argument("--date", required=True)
    report.add_argument("--field")
    report.add_argument("--json", action="store_true")
    status = sub.add_parser("status", help="row counts per layer, quarantine by rule, latest checks")
    status.add_argument("--json", action="store_true")
    fc = sub.add_parser("forecast", help="P10/P50/P90 forecast of one well from its last landed day")
    fc.add_argument("--well", required=True)
    fc.add_argument("--product", choices=["oil", "gas", "water"], default="oil")
    fc.add_argument("--horizon-days", type=int, default=30)
    fc.add_argument("--json", action="store_true")
    fc.add_argument("--plot", help="write a fan chart (.png or .svg) to this path")
    bt = sub.add_parser("backtest", help="rolling-origin backtest of the forecast policy, logged to MLflow")
    bt.add_argument("--product", choices=["oil", "gas", "water"], default="oil")
    bt.add_argument("--json", action="store_true")
    bt.add_argument("--no-peers", action="store_true", help="skip the statistical peers (~2 s an origin)")
    bt.add_argument("--monthly", action="store_true", help="the 3-12 month backtest on Sodir fields and wells")
    bt.add_argument("--sodir", help="a Sodir field production CSV (default: the bundled copy)")
    bt.add_argument("--fields", type=int, help="only the first N fields by name (a quick look)")
    models = sub.add_parser("models", help="the forecast model registry")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    promote_parser = models_sub.add_parser("promote", help="promote the champion into qa or prod")
    promote_parser.add_argument("--to", choices=["qa", "prod"], required=True)
    promote_parser.add_argument("--version")
    rollback_parser = models_sub.add_parser("rollback", help="point the champion alias back at the previous version")
    rollback_parser.add_argument("--env", choices=["dev", "qa", "prod"], required=True)
    gen = sub.add_parser("generate", help="write a synthetic landing folder of any size (Volve file layout)")
    gen.add_argument("--wells", type=int, required=True)
    gen.add_argument("--days", type=int, required=True)
    gen.add_argument("--out", required=True)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--start", default="2020-01-01", help="first production day (YYYY-MM-DD)")
    stream = sub.add_parser("stream", help="consume this environment's Kafka-protocol topic into raw")
    stream.add_argument("--bootstrap", help="HOST:PORT (default: DATALIVE_KAFKA_BOOTSTRAP)")
    stream.add_argument("--max-batches", type=int, default=100)
    stream.add_argument("--batch-messages", type=int, default=5000)
    stream.add_argument("--batch-seconds", type=float, default=5.0)
    stream.add_argument("--idle-seconds", type=float, default=10.0, help="stop after this long without messages")
    stream.add_argument("--until-end", action="store_true", help="stop once every partition is read to its end")
    stream.add_argument("--wait", action="store_true", help=WAIT_HELP)
    cleanup = sub.add_parser("cleanup", help="drop a closed pull request's branch-deployment resources")
    cleanup.add_argument("--pr", type=int, required=True)
    cleanup.add_argument("--yes", action="store_true", help="really drop (default: say what would be dropped)")
    cleanup.add_argument("--wait", action="store_true", help=WAIT_HELP)
    doctor = sub.add_parser("doctor", help="readiness checklist of the environment's resources and secrets")
    doctor.add_argument("--env", choices=["dev", "qa", "prod"])
    sub.add_parser("index", help="build or refresh the explanation index (rag_<env>) from gold, events, runbooks")
    explain = sub.add_parser("explain", help="explain production in natural language, with checked citations")
    explain.add_argument("question")
    explain.add_argument("--json", action="store_true")
    dev = sub.add_parser("dev", help="the Dagster UI on this environment's instance")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    serve = sub.add_parser("serve", help="the API and dashboard of this environment (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-link", dest="link", action="store_false", help="print no dashboard link (create no short-lived key)"
    )
    serve.add_argument(
        "--link-hours", type=positive_hours, default=12.0, help="lifetime of the dashboard link's key (12 h)"
    )
    keys = sub.add_parser("keys", help="API keys of this environment")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_create = keys_sub.add_parser("create", help="create a key and print it once")
    keys_create.add_argument("--name", default="default")
    keys_list = keys_sub.add_parser("list", help="list keys (ids, names, dates; never the keys)")
    keys_list.add_argument("--json", action="store_true")
    keys_revoke = keys_sub.add_parser("revoke", help="revoke a key by id")
    keys_revoke.add_argument("key_id")
    audit_parser = sub.add_parser("audit", help="this environment's audit trail (verify: check its hash chain)")
    audit_parser.add_argument("--since", help="only records from this time on (ISO 8601)")
    audit_parser.add_argument("--json", action="store_true")
    audit_sub = audit_parser.add_subparsers(dest="audit_command")
    audit_sub.add_parser("verify", help="prove no record was deleted or edited")
    restore = sub.add_parser("restore", help="restore a lake table (time travel), the warehouse or raw files")
    restore.add_argument("--table", help=f"asset key of a lake table, e.g. {SILVER_PRODUCTION.path}")
    point = restore.add_mutually_exclusive_group()
    point.add_argument("--version", type=int, help="the table version to bring back")
    point.add_argument("--as-of", help="bring back the table as it was at this time (ISO 8601 with zone)")
    point.add_argument("--history", action="store_true", help="list the table's versions instead")
    point.add_argument(
        "--deleted-commits", action="store_true", help="put back the table's deleted log objects (versioned S3)"
    )
    restore.add_argument("--warehouse", action="store_true", help="rebuild the warehouse from silver")
    restore.add_argument("--raw", action="store_true", help="recover raw files from object versions")
    restore.add_argument("--wait", action="store_true", help=WAIT_HELP)
    retention_parser = sub.add_parser("retention", help="vacuum, MLflow run and quarantine retention")
    retention_parser.add_argument("--apply", action="store_true", help="really remove (default: dry run)")
    retention_parser.add_argument("--wait", action="store_true", help=WAIT_HELP)
    dr = sub.add_parser("dr", help="disaster recovery")
    dr_sub = dr.add_subparsers(dest="dr_command", required=True)
    drill_parser = dr_sub.add_parser("drill", help="destroy and restore this (non-prod) environment, prove it, time it")
    drill_parser.add_argument("--wait", action="store_true", help=WAIT_HELP)
    return parser


def console() -> NoReturn:
    """The ``datalive`` console script: :func:`main`, ended as ``da_platform.shutdown`` explains."""
    exit_with(main)


def main(argv: list[str] | None = None) -> int:
    """The ``datalive`` command: parse ``argv`` (the command line by default), run it, return its exit code."""
    from da_platform.env import SettingsError, apply_process_defaults, load_settings

    apply_process_defaults()

    args = build_parser().parse_args(argv)
    if not getattr(args, "verbose", False):
        quiet_libraries()
    try:
        settings = load_settings()
    except SettingsError as exc:
        say(f"datalive: {exc}")
        return 2
    handler = {
        "run": cmd_run,
        "report": cmd_report,
        "status": cmd_status,
        "dev": cmd_dev,
        "forecast": cmd_forecast,
        "backtest": cmd_backtest,
        "models": cmd_models,
        "generate": cmd_generate,
        "stream": cmd_stream,
        "cleanup": cmd_cleanup,
        "doctor": cmd_doctor,
        "index": cmd_index,
        "explain": cmd_explain,
        "serve": cmd_serve,
        "keys": cmd_keys,
        "audit": cmd_audit,
        "restore": locked("datalive restore", cmd_restore),
        "retention": locked("datalive retention", cmd_retention),
        "dr": locked("datalive dr drill", cmd_dr),
    }[args.command]
    return handler(args, settings)
