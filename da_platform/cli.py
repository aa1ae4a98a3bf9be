"""The ``datalive`` command line: run the graph, print the daily report, show the lakehouse status."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SAMPLE_LANDING = Path(__file__).parent / "sample_data" / "landing"
WAIT_HELP = "wait for another command writing this environment to finish (default: refuse)"
LOCKED_EXIT = 75  # EX_TEMPFAIL: another command holds the environment lock; retry, or pass --wait
# Progress is printed by this module; Dagster's own console log only for errors.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
# Without --verbose not even errors: each failed step is one line from its event (no stack trace).
SILENT = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
INSTANCE_YAML = """\
# Written by datalive: one lake-writing run at a time per environment; events in SQLite with open connections.
run_queue:
  max_concurrent_runs: 4
  tag_concurrency_limits:
    - key: datalive/lake-writer
      limit: 1
telemetry:
  enabled: false
"""


def _instance_home(settings) -> Path:
    """The environment's DAGSTER_HOME, with the run-queue limits and the event log storage written on first
    use, and pointed at this home again when the home was copied or moved (so a copy's run and check
    history is written inside the copy, never into the home it came from)."""
    from da_platform.defs.event_log_storage import instance_yaml_section, rehome_instance_yaml
    from da_platform.env import SettingsError, environment_folder_problem

    problem = environment_folder_problem(settings)  # settings made with replace() skip load_settings' check
    if problem:
        raise SettingsError(problem)
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    text = config.read_text() if config.exists() else None
    # (a file an older datalive wrote, without the event log section, is brought up to date)
    if text is None or text == INSTANCE_YAML:
        config.write_text(INSTANCE_YAML + instance_yaml_section(home / "history" / "runs"))
    elif (moved := rehome_instance_yaml(text, home)) != text:
        config.write_text(moved)
    return home


def _instance(settings):
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(_instance_home(settings)))


def cmd_dev(args: argparse.Namespace, settings) -> int:
    """Start the Dagster UI on this environment's instance (the same history `datalive run` writes)."""
    import os
    import subprocess

    _prepare_dbt()
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
    _say(f"dagster dev on http://{args.host}:{args.port} · env={settings.isolation_key}")
    return subprocess.call(command, env={**os.environ, "DAGSTER_HOME": str(_instance_home(settings))})


def _prepare_dbt() -> None:
    from da_platform.defs.gold.assets import dbt_project

    project = dbt_project()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_run(args: argparse.Namespace, settings) -> int:
    """Land the files of a landing folder and build raw → bronze → silver → gold for what is pending: the
    days the landing brought, and whatever a run that died or failed before left unfinished; then (unless
    ``--only lakehouse``) the forecasts and the explanation index, under the same writer lock."""
    lock = _writer_lock(settings, args.wait, "datalive run")
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
            _audit(settings, "run", jobs, outcome, {"landing": landing, "full": args.full, "only": args.only})


def _writer_lock(settings, wait: bool, command: str) -> ExitStack | None:
    """The environment's writer lock, taken (leave the returned stack to release it); None, after saying
    which process holds it, when another one does and ``wait`` is false."""
    from da_platform.run_lock import EnvironmentLocked, environment_lock

    stack = ExitStack()
    try:
        stack.enter_context(environment_lock(settings, wait=wait, command=command, report=_say))
    except EnvironmentLocked as exc:
        _say(f"{command}: {exc}")
        return None
    return stack


def _run_locked(args: argparse.Namespace, settings) -> int:
    from da_platform.definitions import build_definitions
    from da_platform.pending import LAUNCHED_BY_TAG, PID_TAG, abandoned_runs, mark_abandoned

    landing = Path(args.landing).resolve() if args.landing else settings.landing_dir
    if args.sample:
        landing = SAMPLE_LANDING
    verbose = bool(getattr(args, "verbose", False))
    whole = getattr(args, "only", None) != "lakehouse"
    total = 4 if whole else 2
    started = time.perf_counter()
    _say(f"datalive run · env={settings.isolation_key} · landing={landing} · home={settings.home}")
    _prepare_dbt()
    instance = _instance(settings)
    defs = build_definitions(settings)
    ingest = defs.resolve_job_def("ingest_job")
    daily = defs.resolve_job_def("daily_job")
    # Holding the lock, no other datalive command runs here: an unfinished run of ours was left by a dead one.
    for line in mark_abandoned(instance, abandoned_runs(instance)):
        _say(line)
    tags = {LAUNCHED_BY_TAG: "cli", PID_TAG: str(os.getpid())}
    run_config = QUIET if verbose else SILENT

    result = _step(
        f"[1/{total}] raw → bronze (new files), register and reported monthly",
        verbose,
        lambda run_id: ingest.execute_in_process(
            run_config={
                **run_config,
                # --full also re-hashes every landing file: an edit that kept size and mtime is found.
                "ops": {"raw__landed_files": {"config": {"landing_dir": str(landing), "rehash": bool(args.full)}}},
            },
            instance=instance,
            raise_on_error=False,
            tags=tags,
            run_id=run_id,
        ),
        instance,
        _job_assets(ingest),
    )
    _report_steps(result, verbose)
    if not result.success:
        _say("ingest failed; nothing downstream was run" + ("" if verbose else " (--verbose shows the traceback)"))
        return 1
    # What to rebuild comes from the lake and the instance, not from what this ingest found new: a run that
    # died after bronze, in silver or in dbt left partitions behind that this run finishes.
    success, ranges = _build_pending(settings, instance, daily, tags, run_config, verbose, f"2/{total}", args.full)
    if whole and success:
        success = _build_products(args, settings, defs, instance, tags, run_config, bool(ranges), verbose)
    summary = _status(settings, instance, defs, include_raw=False)  # (this run's ingest parsed all of raw)
    _print_summary(summary, time.perf_counter() - started)
    failed_errors = [c for c in summary["checks"] if c["passed"] is False and c["severity"] == "ERROR"]
    return 0 if success and not failed_errors else 1


def _build_pending(
    settings, instance, daily, tags, run_config, verbose: bool, step: str, full: bool = False, silver_only=False
):
    """Run ``daily_job`` over each range of the pending window (``datalive run``'s step 2, and the drill's
    repair of a lost silver commit, ``silver_only``: its warehouse is rebuilt, gold with it, right after);
    returns whether every range succeeded, and the ranges."""
    from dagster import AssetKey

    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.pending import RANGE_END, RANGE_START
    from da_platform.pending import plan as pending_plan

    pending = pending_plan(open_lake(settings), instance, settings.partition_grain, full=full, include_raw=False)
    if pending.stale and verbose:
        _say(pending.describe())
    success = True
    if not pending.ranges:
        _say(f"[{step}] nothing pending: bronze, silver, gold and their checks agree")
    for start_key, end_key in pending.ranges:
        grain = settings.partition_grain
        result = _step(
            f"[{step}] bronze → silver{'' if silver_only else ' → gold'}, {grain} partitions {start_key} .. {end_key}",
            verbose,
            lambda run_id, start_key=start_key, end_key=end_key: daily.execute_in_process(
                run_config=run_config,
                instance=instance,
                raise_on_error=False,
                tags={**tags, RANGE_START: start_key, RANGE_END: end_key},
                asset_selection=[AssetKey(list(k)) for k in SILVER_KEYS] if silver_only else None,
                run_id=run_id,
            ),
            instance,
            ["/".join(k) for k in SILVER_KEYS] if silver_only else _job_assets(daily),
        )
        _report_steps(result, verbose)
        if not result.success:
            success = False
            _say("daily build failed (see above); the next run retries its partitions")
    return success, list(pending.ranges)


# The silver multi-asset's keys (one step conforms all three).
SILVER_KEYS = (("silver", "well_day_production"), ("silver", "well_day_injection"), ("silver", "quarantine"))
FORECAST_KEYS = (("forecast", "well_daily_forecasts"), ("forecast", "monthly_forecasts"))
BACKTEST_KEY = ("forecast", "backtest_metrics")
# The evaluation (rag/evaluation, hundreds of questions) is the rag_job's, not every run's.
INDEX_KEYS = (("rag", "chunks"), ("rag", "vector_index"))


def _build_products(args, settings, defs, instance, tags, run_config, gold_changed: bool, verbose: bool) -> bool:
    """Steps 3 and 4: forecasts, then the explanation index, each only when gold changed or it is missing.

    The backtest runs when the environment has no champion policy yet (its first candidate becomes
    champion) or with ``--full``; otherwise forecasts reuse every well whose rows did not change, and the
    index embeds only chunks whose content changed, so a new day stays cheap."""
    from dagster import AssetKey

    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.rag.store import index_built

    lake = open_lake(settings)
    has_forecasts = lake.exists("forecast/well_daily_forecasts")
    has_champion = _registry(settings).champion_config()[1] is not None
    forecast_keys = [AssetKey(list(k)) for k in FORECAST_KEYS]
    if args.full or not has_champion:
        forecast_keys.insert(0, AssetKey(list(BACKTEST_KEY)))
    ok = True
    forecasts_ran = False
    if args.full or gold_changed or not has_forecasts or not has_champion:
        what = "backtest, champion, forecasts" if len(forecast_keys) == 3 else "forecasts of changed wells"
        result = _step(
            f"[3/4] {what}",
            verbose,
            lambda run_id: defs.resolve_job_def("forecast_job").execute_in_process(
                run_config=run_config,
                instance=instance,
                raise_on_error=False,
                tags=tags,
                asset_selection=forecast_keys,
                run_id=run_id,
            ),
            instance,
            [key.to_user_string() for key in forecast_keys],
        )
        _report_steps(result, verbose)
        ok, forecasts_ran = result.success, True
        if not ok:
            _say("forecasts failed (see above); gold is built, the next run retries them")
    else:
        _say("[3/4] forecasts: gold did not change, nothing to refit")
    if not ok:
        return False
    if args.full or forecasts_ran or not index_built(settings):
        result = _step(
            "[4/4] explanation index (changed chunks only)",
            verbose,
            lambda run_id: defs.resolve_job_def("rag_job").execute_in_process(
                run_config=run_config,
                instance=instance,
                raise_on_error=False,
                tags=tags,
                asset_selection=[AssetKey(list(k)) for k in INDEX_KEYS],
                run_id=run_id,
            ),
            instance,
            ["/".join(k) for k in INDEX_KEYS],
        )
        _report_steps(result, verbose)
        if not result.success:
            _say("explanation index failed (see above); `datalive index` or the next run rebuilds it")
            return False
    else:
        _say("[4/4] explanation index: up to date")
    return True


def _job_assets(job) -> list[str]:
    """The keys of the assets a job materializes, as the progress bar counts them."""
    return [key.to_user_string() for key in job.asset_layer.selected_asset_keys]


def _step(title: str, verbose: bool, work, instance=None, expected: Iterable[str] = ()):
    """Run one step under a one-line progress display (a terminal only), then print its line with the
    elapsed time. Library output on stdout (dbt's log lines) is kept off the screen unless ``verbose``.

    ``work`` receives the run id to execute under; with the ``instance`` it runs on and the ``expected``
    asset keys, the bar shows completed / total assets as the run stores their materializations (a dbt
    step: model by model). Off a terminal nothing extra is printed."""
    import io
    import uuid
    from contextlib import redirect_stdout

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from da_platform.run_progress import AssetProgress

    try:  # (rich's own test honours FORCE_COLOR: CI logs would get the bar)
        display = not verbose and os.isatty(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # a captured stream (pytest's) has no descriptor
        display = False
    stack = ExitStack()
    console = None
    if display:
        # Dagster captures a step's output by pointing descriptors 1 and 2 at its compute log while the step
        # runs; a console on sys.stderr would then find no terminal and stop drawing. A duplicate of the
        # terminal's descriptor, taken now, keeps reaching the screen.
        console = Console(file=stack.enter_context(os.fdopen(os.dup(sys.stderr.fileno()), "w")))
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not display,
    )
    counted = AssetProgress(expected)
    run_id = str(uuid.uuid4())
    started = time.perf_counter()
    with stack:
        stack.enter_context(progress)
        task = progress.add_task(title, total=counted.total)
        if display and instance is not None and counted.total:

            def advance(entry) -> None:
                event = entry.dagster_event
                if event is None:
                    return
                key = event.asset_key.to_user_string() if event.asset_key is not None else None
                if counted.observe(event.event_type_value, key):
                    progress.update(task, completed=counted.completed)

            instance.add_event_listener(run_id, advance)
        if not verbose:
            stack.enter_context(redirect_stdout(io.StringIO()))
        result = work(run_id)
    state = "done" if result.success else "FAILED"
    _say(f"{title} · {state} in {time.perf_counter() - started:.1f} s")
    return result


def _report_steps(result, verbose: bool = False) -> None:
    """The lines a person reads: failed checks and steps (one line each: the error's message, which names
    the file, row and rule), ignored landing entries; with ``verbose`` every check, step and traceback."""
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.passed and not verbose:
                continue
            mark = "ok " if evaluation.passed else "FAIL"
            note = evaluation.description if not evaluation.passed and evaluation.description else ""
            _say(
                f"   check {mark} {evaluation.asset_key.to_user_string()}:{evaluation.check_name} "
                f"({evaluation.severity.value})" + (f": {note}" if note else "")
            )
        elif event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            _say(f"   step failed: {event.step_key}: {_one_line(error)}")
            if verbose:
                _say(error.to_string())
        elif event.event_type_value == "STEP_SUCCESS" and verbose:
            _say(f"   done {event.step_key}")
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.asset_key.path == ["raw", "landed_files"]:
                skipped = materialization.metadata.get("skipped")
                for line in (skipped.value if skipped is not None else [])[:10]:
                    _say(f"   ignored {line}")


def _one_line(error) -> str:
    """An error's message without its traceback: a Failure's description, or the exception's first line
    (`--verbose` prints the rest)."""
    message, cause, cls_name = (error.message or "").strip(), error.cause, error.cls_name
    while cause is not None and message.startswith("dagster._core.errors"):  # a wrapper: say the cause
        message, cls_name, cause = (cause.message or "").strip(), cause.cls_name, cause.cause
    qualified, _, rest = message.partition(": ")
    if cls_name and qualified.endswith(cls_name) and rest:  # "dagster._core....Failure: text" → "text"
        message = rest if cls_name == "Failure" else f"{cls_name}: {rest}"
    return message.splitlines()[0] if message else cls_name or "error"


def _status(settings, instance, defs, include_raw: bool = True) -> dict[str, Any]:
    from da_platform.status import freshness_status, latest_checks, layer_counts, pending_status

    check_keys = list(defs.resolve_asset_graph().asset_check_keys)
    quality = [k for k in check_keys if k.name != "freshness_check"]
    return {
        "environment": settings.isolation_key,
        "layers": layer_counts(settings),
        "checks": latest_checks(instance, quality),
        "freshness": freshness_status(settings, instance, [k for k in check_keys if k.name == "freshness_check"]),
        "pending": pending_status(settings, instance, include_raw),
    }


QUARANTINE_LINES = 6  # (file, rule) pairs in the summary; `status --json` has them all


def _print_summary(summary: dict[str, Any], seconds: float) -> None:
    layers = summary["layers"]
    rejected = layers.get("rejected_files", {"files": 0, "by_rule": {}, "names": []})
    _say(
        f"summary ({seconds:.1f} s): raw {layers['raw']['rows']} files · bronze {layers['bronze']['rows']} rows · "
        f"silver {layers['silver']['rows']} rows · quarantine {layers['quarantine']['rows']} rows · "
        f"gold {layers['gold']['rows']} well-days · rejected files {rejected['files']}"
    )
    by_file = layers["quarantine"].get("by_file", [])
    for item in by_file[:QUARANTINE_LINES]:
        _say(f"   quarantined {item['rows']} rows of {item['file']}: {item['rule']}")
    if len(by_file) > QUARANTINE_LINES:
        rest = sum(item["rows"] for item in by_file[QUARANTINE_LINES:])
        pairs = len(by_file) - QUARANTINE_LINES
        _say(f"   and {rest} more rows in {pairs} more (file, rule) pairs: datalive status --json")
    if rejected["files"]:
        _say(f"   rejected whole: {', '.join(rejected['names'][:5])} {rejected['by_rule']}")
    failed = [c for c in summary["checks"] if c["passed"] is False]
    passed = sum(1 for c in summary["checks"] if c["passed"])
    not_run = sum(1 for c in summary["checks"] if c["passed"] is None)
    _say(f"checks: {passed} passed, {len(failed)} failed, {not_run} not run")
    for check in failed:
        _say(f"   FAIL {check['asset']}:{check['name']} ({check['severity']})")
    for layer, verdict in summary.get("freshness", {}).items():
        state = "fresh" if verdict["fresh"] else f"STALE, {verdict['overdue_hours']} h overdue"
        state = f"unknown: {layer} could not be read ({verdict['error']})" if verdict.get("error") else state
        _say(f"freshness {layer}: newest day {verdict['newest_day']}, due {verdict['due_day']} ({state})")
    pending = summary["pending"]
    if pending.get("writer"):
        _say(f"being written now by {pending['writer']}")
    if pending.get("error"):
        _say(f"pending window unknown: {pending['error']}")
    elif pending["up_to_date"] and not failed and not not_run:
        _say("up to date: bronze, silver, gold and their checks agree")
    elif pending["up_to_date"]:
        _say("nothing pending to rebuild, but not every check passed")
    else:
        ranges = ", ".join(f"{r['start']} .. {r['end']}" for r in pending["ranges"])
        _say(f"pending (the next `datalive run` rebuilds {ranges or 'what it finds once bronze has parsed raw'}):")
        for item in pending["bronze"][:5]:
            _say(f"   bronze {item['file']}: {item['reason']}")
        for layer in ("silver", "gold"):
            for item in pending[layer][:5]:
                _say(f"   {layer} {item['partition']}: {item['reason']}")
            if len(pending[layer]) > 5:
                _say(f"   {layer}: and {len(pending[layer]) - 5} more partitions")


def cmd_status(args: argparse.Namespace, settings) -> int:
    """Print per-layer counts, quarantine by rule and the latest check results."""
    from da_platform.definitions import build_definitions

    _prepare_dbt()
    summary = _status(settings, _instance(settings), build_definitions(settings))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        _print_summary(summary, 0.0)
    return 0


def cmd_report(args: argparse.Namespace, settings) -> int:
    """Print the daily operational production report for one day."""
    from da_platform.gold.report import daily_report, render_text
    from da_platform.lakehouse.warehouse import open_warehouse

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        _say(f"--date {args.date!r} is not a YYYY-MM-DD date")
        return 2
    report = daily_report(open_warehouse(settings), day, args.field)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(render_text(report))
    return 0 if report["wells"] else 3


def _registry(settings):
    from da_platform.defs.resources import registry_resource

    return registry_resource(settings)


def _silver_production(settings):
    from da_platform.lakehouse.delta_lake import open_lake

    lake = open_lake(settings)
    if not lake.exists("silver/well_day_production"):
        raise SystemExit("datalive: no silver production yet in this environment: run `datalive run` first")
    return lake.read("silver/well_day_production")


def cmd_forecast(args: argparse.Namespace, settings) -> int:
    """Forecast one well from its last landed day with the champion policy (or the default one)."""
    from da_platform.forecast.plots import fan_chart
    from da_platform.forecast.series import NotAProducerError, daily_series
    from da_platform.forecast.service import forecast_well, well_history

    production = _silver_production(settings)
    config, version, run_id = _registry(settings).champion_config()
    try:
        result = forecast_well(production, args.well, args.product, args.horizon_days, config)
    except (KeyError, NotAProducerError) as exc:
        _say(f"datalive forecast: {exc.args[0]}")
        return 2
    if args.plot:
        series = daily_series(well_history(production, args.well), args.product, args.well)
        fan_chart(series, result, Path(args.plot))
        _say(f"fan chart written to {args.plot}")
    # Rate band (Sm3/d on producing days) and the calendar-day volume band (rate x uptime, Sm3), as the
    # asset stores them: planners plan volumes.
    columns = ("date", "p10", "p50", "p90", "uptime", "volume_p10", "volume_p50", "volume_p90")
    points = [
        {"date": row[0].isoformat(), **dict(zip(columns[1:], row[1:], strict=True))}
        for row in result.points.select(columns).iter_rows()
    ]
    payload = {
        "well": result.well_id,
        "product": result.product,
        "model": result.model,
        "model_version": version,
        "run_id": run_id,
        "status": result.status,
        "reason": result.reason,
        "origin": result.origin.isoformat() if result.origin else None,
        "points": points,
    }
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(f"{result.well_id} {result.product}: model {result.model} ({result.status}) from {payload['origin']}")
        for point in points[:: max(1, len(points) // 10)]:
            print(
                f"  {point['date']}  P10 {point['p10']:8.1f}  P50 {point['p50']:8.1f}  P90 {point['p90']:8.1f} Sm3/d"
                f"  volume P10 {point['volume_p10']:8.1f}  P50 {point['volume_p50']:8.1f}"
                f"  P90 {point['volume_p90']:8.1f} Sm3"
            )
    return 0


def cmd_backtest(args: argparse.Namespace, settings) -> int:
    """Run the rolling-origin backtest on silver, log it to MLflow as a candidate, print the metrics."""
    from da_platform.forecast.backtest import BacktestConfig, backtest, producing_wells, protocol_for
    from da_platform.forecast.peers import PEERS
    from da_platform.forecast.select import ForecastConfig
    from da_platform.forecast.tracking import champion, log_candidate, set_champion

    if args.monthly:
        return _backtest_monthly(args, settings)
    production = _silver_production(settings)
    config = ForecastConfig()
    # The peers (Theta, log-ARIMA, SCUM) are scored beside the policy in every CLI run, never selected.
    protocol = protocol_for(production, BacktestConfig(forecast=config, peers=() if args.no_peers else PEERS))
    table = backtest(production, args.product, producing_wells(production), protocol)
    if table.filter(table["model"] == "selected").is_empty():
        _say(
            f"insufficient history for a backtest: no well has {protocol.min_history_producing_days} producing "
            f"days before a cut-off in {protocol.start}..{protocol.end} and {max(protocol.horizons)} days after it;"
            " nothing was logged"
        )
        return 1
    target = _registry(settings).target()
    candidate = log_candidate(target, config, table, tags={"source": "cli"})
    if champion(target) is None:
        set_champion(target, candidate.version)
    _say(f"logged as {target.model_name} version {candidate.version} (run {candidate.run_id})")
    if args.json:
        print(json.dumps(table.to_dicts(), indent=2, default=str))
    else:
        shown = ["mase", "mase_well_mean", "coverage_p10_p90"]
        print(table.filter(table["metric"].is_in(shown)).sort("model", "horizon_days"))
    return 0


def _backtest_monthly(args: argparse.Namespace, settings) -> int:
    """`datalive backtest --monthly`: the medium-term backtest on the bundled Sodir field table (3, 6 and 12
    months, oil and gas) and on silver's wells' monthly series when there are any (logged nowhere: the
    daily policy is the registered model)."""
    import polars as pl

    from da_platform.forecast.monthly_backtest import (
        monthly_backtest_sodir,
        monthly_backtest_wells,
        read_sodir_monthly,
        sodir_sample_path,
        summarize_monthly,
    )

    path = Path(args.sodir) if args.sodir else sodir_sample_path()
    fields = read_sodir_monthly(path)
    if args.fields:
        fields = fields.filter(pl.col("field").is_in(fields["field"].unique().sort().head(args.fields).to_list()))
    windows = [monthly_backtest_sodir(fields)]
    from da_platform.lakehouse.delta_lake import open_lake

    lake = open_lake(settings)
    if lake.exists("silver/well_day_production"):  # the wells' monthly series too, when silver has any
        windows.append(monthly_backtest_wells(lake.read("silver/well_day_production")))
    scored = [w for w in windows if w.height]
    if not scored:
        _say(
            "insufficient history for a monthly backtest: no series has 36 producing months before a cut-off"
            " and 12 after"
        )
        return 1
    table = summarize_monthly(pl.concat(scored, how="diagonal_relaxed"))
    if args.json:
        print(json.dumps(table.to_dicts(), indent=2, default=str))
    else:
        shown = table.filter(
            pl.col("metric").is_in(["mase", "mase_seasonal", "coverage_p10_p90"])
            | pl.col("metric").str.starts_with("ahead_of_")
        )
        with pl.Config(tbl_rows=200, tbl_width_chars=160):  # one column per model, one row per figure
            print(shown.pivot(on="model", index=["source", "product", "horizon_months", "metric"], values="value"))
    return 0


def cmd_models(args: argparse.Namespace, settings) -> int:
    """Promote the champion forecast policy of this environment into qa or prod."""
    from dataclasses import replace

    from da_platform.forecast.tracking import PromotionRefused, promote

    if args.models_command == "rollback":
        return _models_rollback(args, settings)
    if args.to == settings.env:
        _say(f"datalive models promote: already in {settings.env}")
        return 2
    target_settings = replace(settings, env=args.to, pr_id=None)
    try:
        promotion = promote(_registry(settings).target(), _registry(target_settings).target(), args.version)
    except PromotionRefused as exc:
        _say(f"refused: {exc}")
        _audit(settings, "model.promote", f"{args.to}:champion", "refused", {"reason": str(exc)[:300]})
        return 1
    _audit(
        settings, "model.promote", f"{args.to}:champion", "ok",
        {"source_version": promotion.source_version, "target_version": promotion.target_version,
         "previous_champion": promotion.previous_champion},
    )  # fmt: skip
    _say(f"promoted to {args.to}: {promotion}")
    return 0


def _models_rollback(args: argparse.Namespace, settings) -> int:
    """Point an environment's champion alias back at the version before it (audited)."""
    from dataclasses import replace

    from da_platform.forecast.tracking import RollbackRefused, rollback

    target_settings = settings if args.env == settings.env else replace(settings, env=args.env, pr_id=None)
    target = _registry(target_settings).target()
    try:
        done = rollback(target)
    except RollbackRefused as exc:
        _say(f"refused: {exc}")
        _audit(settings, "model.rollback", f"{args.env}:champion", "refused", {"reason": str(exc)[:300]})
        return 1
    _audit(
        settings, "model.rollback", f"{args.env}:champion", "ok",
        {"from_version": done.from_version, "to_version": done.to_version, "model": target.model_name},
    )  # fmt: skip
    _say(f"{args.env}: {target.model_name} champion rolled back from version {done.from_version} to {done.to_version}")
    return 0


def _audit(settings, action: str, target: str, outcome: str, detail: dict[str, Any] | None = None) -> None:
    """Append a record to this environment's audit trail, the CLI's user as the actor.

    A lake that is not the environment's own (a dev run pointed at prod's buckets) has no trail to write to:
    the command's own refusal says why, and the record is not written anywhere else."""
    from da_platform.lakehouse.delta_lake import OutsideEnvironmentError, open_lake
    from da_platform.lakehouse.object_lake import LakeLocationError
    from da_platform.ops import audit

    try:
        lake = open_lake(settings)
    except (OutsideEnvironmentError, LakeLocationError) as exc:
        _say(f"audit record of {action} not written: {exc}")
        return
    audit.record(settings, lake, audit.cli_actor(), action, target, outcome, detail)


def cmd_generate(args: argparse.Namespace, settings) -> int:
    """Write a synthetic operator-size landing folder (deterministic for a seed)."""
    from da_platform.ingest.synthetic import generate

    started = time.perf_counter()
    summary = generate(Path(args.out), args.wells, args.days, args.seed, date.fromisoformat(args.start))
    _say(
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
        _say("datalive stream: no broker; set DATALIVE_KAFKA_BOOTSTRAP or pass --bootstrap HOST:PORT")
        return 2

    lock = _writer_lock(settings, args.wait, "datalive stream")
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
    _say(
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
        _say(f"datalive index: {exc}")
        return 2
    _say(
        f"index {stats.collection}: {stats.chunks} chunks, {stats.embedded} embedded, {stats.unchanged} unchanged, "
        f"{stats.removed} removed in {stats.seconds:.1f} s"
    )
    return 0


def cmd_cleanup(args: argparse.Namespace, settings) -> int:
    """Drop a closed pull request's branch-deployment resources (qa/pr-N); refuses anything else."""
    from dataclasses import replace

    from da_platform.cleanup import CleanupRefused, drop_branch, plan_cleanup

    target = replace(settings, env="qa", pr_id=str(args.pr))
    try:
        if args.yes:  # dropping holds the branch deployment's writer lock, so no run of it writes meanwhile
            lock = _writer_lock(target, args.wait, "datalive cleanup")
            if lock is None:
                return LOCKED_EXIT
            with lock:
                plan = drop_branch(target)
        else:
            plan = plan_cleanup(target)
    except CleanupRefused as exc:
        _say(f"refused: {exc}")
        return 1
    if args.yes:
        outcome = "nothing to drop" if plan.is_empty else "dropped"
        _audit(settings, "pr.cleanup", target.isolation_key, outcome, {"dropped": plan.describe()[:500]})
    if plan.is_empty:
        _say(f"pull request {plan.pr_id}: nothing to drop at {plan.folder}")
    elif args.yes:
        _say(f"pull request {plan.pr_id}: dropped {plan.describe()}")
    else:
        _say(f"pull request {plan.pr_id}: would drop {plan.describe()} (pass --yes to do it)")
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


def cmd_explain(args: argparse.Namespace, settings) -> int:
    """Answer a question about production with checked numbers and citations (builds the index if missing)."""
    from da_platform.lakehouse.warehouse import open_warehouse
    from da_platform.rag.service import open_explainer
    from da_platform.rag.store import index_built

    if not index_built(settings) and open_warehouse(settings).change_marker() is not None:
        _say("no explanation index yet in this environment: building it once (datalive index refreshes it)")
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


def cmd_serve(args: argparse.Namespace, settings) -> int:
    """Serve the API and the dashboard of this environment with uvicorn, printing a ready dashboard link.

    The link carries a short-lived key of this environment in its fragment (``#key=...``: browsers never
    send a fragment, so it reaches no server or proxy log), the way Jupyter prints its token URL. The key
    is revoked when the server stops, and expires by itself after ``--link-hours`` should the process be
    killed before it can revoke it.
    """
    import uvicorn

    from da_platform.api.app import create_app
    from da_platform.api.keys import KeyStore
    from da_platform.api.logs import configure_logging

    configure_logging()
    app = create_app(settings)
    _say(f"datalive API on http://{args.host}:{args.port} · env={settings.isolation_key}")
    store = KeyStore(settings.env_root, settings.isolation_key)
    link_key = None
    if args.link:
        key, link_key = store.create("dashboard-link", ttl=timedelta(hours=args.link_hours))
        _audit_quietly(settings, "key.create", f"key {link_key.key_id}", {"name": link_key.name})
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        host = f"[{host}]" if ":" in host else host
        _say(f"dashboard (its key {link_key.key_id} expires {link_key.expires_at} or when this server stops):")
        _say(f"    http://{host}:{args.port}/#key={key}")
    # After a graceful shutdown uvicorn re-raises the signal it caught; SIGTERM's default action would end
    # the process there, before the link's key is revoked. So SIGTERM ends it through this handler instead.
    previous = signal.signal(signal.SIGTERM, _stop_serving) if _in_main_thread() else None
    try:
        # uvicorn's access log prints query strings and no request id; the app logs every request itself.
        uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning")
    except _ServerStopped:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if link_key is not None:
            store.revoke(link_key.key_id)
            _audit_quietly(settings, "key.revoke", f"key {link_key.key_id}", {"name": link_key.name})
            _say(f"revoked the dashboard key {link_key.key_id}")
    return 0


class _ServerStopped(Exception):
    """SIGTERM reached `datalive serve` (after uvicorn's graceful shutdown)."""


def _stop_serving(signum: int, frame: object) -> None:
    raise _ServerStopped()


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _positive_hours(text: str) -> float:
    """``--link-hours``: a positive number of hours (a key that is born expired would be a broken link)."""
    try:
        hours = float(text)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 30:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours between 0 and 720")
    return hours


def _audit_quietly(settings, action: str, target: str, detail: dict[str, Any]) -> None:
    """An audit record that must not stop the server from starting or revoking (the lake may be down)."""
    try:
        _audit(settings, action, target, "ok", detail)
    except Exception as exc:  # reported; the key operation it records has already happened
        _say(f"could not record {action} of {target} in the audit trail: {type(exc).__name__}")


def cmd_keys(args: argparse.Namespace, settings) -> int:
    """Create, list or revoke the API keys of this environment; a corrupt key store is one line saying how to
    fix it, as the API's 503 says."""
    from da_platform.api.keys import KeyStoreInvalid

    try:
        return _keys(args, settings)
    except KeyStoreInvalid as exc:
        _say(f"datalive keys {args.keys_command}: {exc}")
        return 2


def _keys(args: argparse.Namespace, settings) -> int:
    from da_platform.api.keys import KeyStore

    store = KeyStore(settings.env_root, settings.isolation_key)
    if args.keys_command == "create":
        try:
            key, record = store.create(args.name)
        except ValueError as exc:
            _say(f"datalive keys create: {exc}")
            return 2
        _say(f"created key {record.key_id} ({record.name}) for {settings.isolation_key}; it is shown only once:")
        print(key, flush=True)  # before the audit write: a failing audit must not lose the only copy of the key
        _audit(settings, "key.create", f"key {record.key_id}", "ok", {"name": record.name})
        return 0
    if args.keys_command == "revoke":
        try:
            record = store.revoke(args.key_id)
        except KeyError:
            _say(f"datalive keys revoke: no key {args.key_id!r} in {settings.isolation_key}")
            return 2
        _audit(settings, "key.revoke", f"key {record.key_id}", "ok", {"name": record.name})
        _say(f"revoked {record.key_id} ({record.name}) at {record.revoked_at}")
        return 0
    records = [r.public() for r in store.records()]
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        for r in records:
            if r["revoked_at"]:
                state = f"revoked {r['revoked_at']}"
            elif r["expires_at"]:
                state = f"active until {r['expires_at']}" if r["active"] else f"expired {r['expires_at']}"
            else:
                state = "active"
            print(f"{r['key_id']}  {r['name']:<20} {r['created_at']}  {state}")
    return 0


def _parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 timestamp with its zone (``Z`` or an offset); a bare date is midnight UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"datalive: {option} {text!r} is not an ISO 8601 timestamp (2026-12-01T08:00Z)") from None
    if len(text) == 10:  # a bare date
        moment = moment.replace(tzinfo=UTC)
    return moment


def cmd_audit(args: argparse.Namespace, settings) -> int:
    """Show this environment's audit trail, or verify its hash chain."""
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops import audit

    lake = open_lake(settings)
    if args.audit_command == "verify":
        try:
            count = audit.verify(lake)
        except audit.AuditTampered as exc:
            _say(f"datalive audit verify: {exc}")
            return 1
        _say(f"audit trail of {settings.isolation_key}: {count} records, chain and history verified")
        return 0
    since = _parse_time(args.since, "--since") if args.since else None
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    records = audit.read(lake, since)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], indent=2))
    elif records:
        print(audit.render(records))
    else:
        _say(f"no audit records in {settings.isolation_key}" + (f" since {since.isoformat()}" if since else ""))
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
        _say("datalive restore: give one of --table <asset key>, --warehouse or --raw")
        return 2
    if args.table and args.history:
        if not lake.exists(args.table):
            _say(f"datalive restore: {args.table} is not a Delta table in {settings.isolation_key}'s lake")
            return 2
        print(table_summary(lake, args.table))
        return 0
    try:
        if args.table and args.deleted_commits:
            commits = recover_deleted_commits(lake, args.table, settings.region)
            action, target, detail = "restore.commits", args.table, {"commits": commits}
            message = f"{args.table}: {len(commits)} deleted commits put back ({', '.join(commits) or 'none missing'})"
        elif args.table:
            as_of = _parse_time(args.as_of, "--as-of") if args.as_of else None
            table = restore_table(lake, args.table, version=args.version, as_of=as_of)
            action, target, detail, message = "restore.table", args.table, dict(table.__dict__), table.describe()
        elif args.warehouse:
            rebuilt = rebuild_warehouse(settings, lake)
            action, target, detail = "restore.warehouse", settings.warehouse_path.name, dict(rebuilt.silver_rows)
            message = rebuilt.describe()
        else:
            raw = recover_raw(lake, settings.region)
            action, target, detail, message = "restore.raw", "raw/files", {"recovered": raw.recovered}, raw.describe()
    except RestoreRefused as exc:
        _say(f"refused: {exc}")
        what = args.table or ("warehouse" if args.warehouse else "raw/files")
        _audit(settings, "restore", what, "refused", {"reason": str(exc)[:300]})
        return 1
    _audit(settings, action, target, "ok", detail)
    _say(f"restored {message}")
    return 0


def cmd_retention(args: argparse.Namespace, settings) -> int:
    """Show (or with --apply carry out) this environment's retention: vacuum, MLflow runs, quarantine."""
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops.retention import retention

    lake = open_lake(settings)
    plan = retention(lake, settings.retention, _registry(settings).target(), apply=args.apply)
    if args.apply:
        _audit(settings, "retention", settings.isolation_key, "applied", plan.counts())
    print(f"retention · {settings.isolation_key}" + ("" if args.apply else " (dry run: --apply to remove)"))
    print(plan.describe())
    return 0


def _locked(command: str, handler):
    """``handler`` run under the environment's writer lock (restore, retention --apply and the drill write
    the lake as a run does); a read-only use of the same command (``--history``, a dry run) takes no lock."""

    def run(args: argparse.Namespace, settings) -> int:
        if getattr(args, "history", False) or (command == "datalive retention" and not args.apply):
            return handler(args, settings)
        lock = _writer_lock(settings, args.wait, command)
        if lock is None:
            return LOCKED_EXIT
        with lock:
            return handler(args, settings)

    return run


def cmd_dr(args: argparse.Namespace, settings) -> int:
    """Run the disaster-recovery drill in this (non-prod) environment and print its recovery time."""
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops import audit
    from da_platform.ops.drill import DrillRefused, drill

    lake = open_lake(settings)

    def run_pending() -> list[str]:
        # What `datalive run` does after its ingest, silver's step of it: gold needs the warehouse the drill
        # dropped, and the warehouse rebuild that follows builds gold from the repaired silver.
        from da_platform.definitions import build_definitions
        from da_platform.pending import LAUNCHED_BY_TAG, PID_TAG

        instance = _instance(settings)
        daily = build_definitions(settings).resolve_job_def("daily_job")
        tags = {LAUNCHED_BY_TAG: "cli", PID_TAG: str(os.getpid())}
        success, ranges = _build_pending(settings, instance, daily, tags, SILENT, False, "dr drill", silver_only=True)
        if not success:
            raise RuntimeError("the drill's rebuild of the pending window failed (see above)")
        return [f"{start}..{end}" for start, end in ranges]

    try:
        report = drill(settings, lake, audit.cli_actor(), run_pending=run_pending)
    except DrillRefused as exc:
        _say(f"refused: {exc}")
        if settings.env != "prod":
            _audit(settings, "dr.drill", settings.isolation_key, "refused", {"reason": str(exc)[:300]})
        return 1
    print(report.describe())
    return 0 if report.passed else 1


def _quiet_libraries() -> None:
    """Keep library noise off a person's screen (`--verbose` keeps it): Dagster's preview/beta warnings and
    other Python warnings, MLflow's and alembic's informational logging."""
    import logging
    import warnings

    from da_platform.env import quiet_library_logging

    quiet_library_logging()
    warnings.filterwarnings("ignore")
    for name in ("mlflow", "alembic", "huggingface_hub", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``datalive`` console script."""
    from da_platform.env import SettingsError, apply_process_defaults, load_settings

    apply_process_defaults()

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
        "--link-hours", type=_positive_hours, default=12.0, help="lifetime of the dashboard link's key (12 h)"
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
    restore.add_argument("--table", help="asset key of a lake table, e.g. silver/well_day_production")
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
    args = parser.parse_args(argv)
    if not getattr(args, "verbose", False):
        _quiet_libraries()
    try:
        settings = load_settings()
    except SettingsError as exc:
        _say(f"datalive: {exc}")
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
        "restore": _locked("datalive restore", cmd_restore),
        "retention": _locked("datalive retention", cmd_retention),
        "dr": _locked("datalive dr drill", cmd_dr),
    }[args.command]
    return handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
