"""The steps of ``datalive run``: ingest, the pending window, forecasts and the explanation index.

What to build comes from the triggers (``triggers.pending_window`` over ``pending.plan``); this module
executes it in process, on the environment's instance, step after step, and returns what happened. It
prints nothing: every line a person reads goes through the :class:`Reporter` the caller passes (the CLI's
draws progress on a terminal), so ``datalive run`` and the disaster-recovery drill, which rebuilds silver's
pending window the same way, share one implementation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from da_platform.catalog import (
    FORECAST_BACKTEST,
    FORECAST_MONTHLY,
    FORECAST_WELL_DAILY,
    RAG_CHUNKS,
    RAG_VECTOR_INDEX,
    SILVER_DAILY_TABLES,
)

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
# Progress is the reporter's; Dagster's own console log only for errors.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
# Without --verbose not even errors: each failed step is one line from its event (no stack trace).
SILENT = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
# The silver multi-asset's keys (one step conforms all three).
SILVER_KEYS = tuple(table.key for table in SILVER_DAILY_TABLES)
FORECAST_KEYS = (FORECAST_WELL_DAILY.key, FORECAST_MONTHLY.key)
BACKTEST_KEY = FORECAST_BACKTEST.key
# The evaluation (rag/evaluation, hundreds of questions) is the rag_job's, not every run's.
INDEX_KEYS = (RAG_CHUNKS.key, RAG_VECTOR_INDEX.key)

Work = Callable[[str], Any]  # given the run id to execute under, executes one job and returns its result


class Reporter(Protocol):
    """Where the steps of a run report: a line to say, a step to run under a progress display, and the
    checks and failures of a step's result."""

    verbose: bool

    def say(self, message: str) -> None:
        """One line for the person running the command."""

    def step(self, title: str, work: Work, instance: Any = None, expected: Iterable[str] = ()) -> Any:
        """Run ``work`` (under a fresh run id) as one titled step; returns its result."""

    def outcome(self, result: Any) -> None:
        """The lines a person reads about a finished step's result (failed checks and steps)."""


def instance_home(settings) -> Path:
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


def open_instance(settings):
    """The environment's Dagster instance (its home prepared by :func:`instance_home`)."""
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(instance_home(settings)))


def prepare_dbt() -> None:
    """Parse the dbt project once, when its manifest is missing (a fresh checkout)."""
    from da_platform.defs.gold.assets import dbt_project

    project = dbt_project()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)


def job_assets(job) -> list[str]:
    """The keys of the assets a job materializes, as the progress bar counts them."""
    return [key.to_user_string() for key in job.asset_layer.selected_asset_keys]


def cli_tags() -> dict[str, str]:
    """The tags of every run a ``datalive`` process launches: who, and which process (a dead one's runs are
    found and marked failed by the next run)."""
    from da_platform.pending import LAUNCHED_BY_TAG, PID_TAG

    return {LAUNCHED_BY_TAG: "cli", PID_TAG: str(os.getpid())}


@dataclass
class RunOutcome:
    """What ``datalive run`` did: whether every step succeeded, the ranges it rebuilt, and the status after."""

    success: bool
    ranges: list[tuple[str, str]] = field(default_factory=list)
    summary: dict[str, Any] | None = None  # None when the ingest failed (nothing downstream ran)


def run(settings, landing: Path, reporter: Reporter, full: bool = False, whole: bool = True) -> RunOutcome:
    """Land the files of ``landing`` and build raw → bronze → silver → gold for what is pending, then
    (``whole``) the forecasts and the explanation index. Call it holding the environment's writer lock."""
    from da_platform.definitions import build_definitions
    from da_platform.pending import abandoned_runs, mark_abandoned

    total = 4 if whole else 2
    prepare_dbt()
    instance = open_instance(settings)
    defs = build_definitions(settings)
    ingest = defs.resolve_job_def("ingest_job")
    daily = defs.resolve_job_def("daily_job")
    # Holding the lock, no other datalive command runs here: an unfinished run of ours was left by a dead one.
    for line in mark_abandoned(instance, abandoned_runs(instance)):
        reporter.say(line)
    tags = cli_tags()
    run_config = QUIET if reporter.verbose else SILENT

    result = reporter.step(
        f"[1/{total}] raw → bronze (new files), register and reported monthly",
        lambda run_id: ingest.execute_in_process(
            run_config={
                **run_config,
                # --full also re-hashes every landing file: an edit that kept size and mtime is found.
                "ops": {"raw__landed_files": {"config": {"landing_dir": str(landing), "rehash": bool(full)}}},
            },
            instance=instance,
            raise_on_error=False,
            tags=tags,
            run_id=run_id,
        ),
        instance,
        job_assets(ingest),
    )
    reporter.outcome(result)
    if not result.success:
        reporter.say(
            "ingest failed; nothing downstream was run"
            + ("" if reporter.verbose else " (--verbose shows the traceback)")
        )
        return RunOutcome(False)
    # What to rebuild comes from the lake and the instance, not from what this ingest found new: a run that
    # died after bronze, in silver or in dbt left partitions behind that this run finishes.
    success, ranges = build_pending(settings, instance, daily, tags, run_config, reporter, f"2/{total}", full)
    if whole and success:
        success = build_products(settings, defs, instance, tags, run_config, reporter, bool(ranges), full)
    summary = status(settings, instance, defs, include_raw=False)  # (this run's ingest parsed all of raw)
    return RunOutcome(success, ranges, summary)


def build_pending(
    settings,
    instance,
    daily,
    tags: dict[str, str],
    run_config: dict,
    reporter: Reporter,
    step: str,
    full: bool = False,
    silver_only: bool = False,
) -> tuple[bool, list[tuple[str, str]]]:
    """Run ``daily_job`` for each request of the pending window (``datalive run``'s step 2, and the drill's
    repair of a lost silver commit, ``silver_only``: its warehouse is rebuilt, gold with it, right after);
    returns whether every range succeeded, and the ranges."""
    from dagster import AssetKey

    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.pending import RANGE_END, RANGE_START
    from da_platform.pending import plan as pending_plan
    from da_platform.triggers import pending_window

    grain = settings.partition_grain
    pending = pending_plan(open_lake(settings), instance, grain, full=full, include_raw=False)
    if pending.stale and reporter.verbose:
        reporter.say(pending.describe())
    requests = pending_window(pending)
    if not requests:
        reporter.say(f"[{step}] nothing pending: bronze, silver, gold and their checks agree")
    success = True
    for request in requests:
        start_key, end_key = request.tags[RANGE_START], request.tags[RANGE_END]
        result = reporter.step(
            f"[{step}] bronze → silver{'' if silver_only else ' → gold'}, {grain} partitions {start_key} .. {end_key}",
            lambda run_id, request=request: daily.execute_in_process(
                run_config=run_config,
                instance=instance,
                raise_on_error=False,
                tags={**tags, **request.tags},
                asset_selection=[AssetKey(list(k)) for k in SILVER_KEYS] if silver_only else None,
                run_id=run_id,
            ),
            instance,
            ["/".join(k) for k in SILVER_KEYS] if silver_only else job_assets(daily),
        )
        reporter.outcome(result)
        if not result.success:
            success = False
            reporter.say("daily build failed (see above); the next run retries its partitions")
    return success, list(pending.ranges)


def rebuild_pending_silver(settings, reporter: Reporter) -> list[str]:
    """The drill's repair: silver's step of what ``datalive run`` does after its ingest (gold needs the
    warehouse the drill dropped; the warehouse rebuild that follows builds gold from the repaired silver).
    Returns the ranges rebuilt as ``start..end``; raises when a range failed."""
    from da_platform.definitions import build_definitions

    instance = open_instance(settings)
    daily = build_definitions(settings).resolve_job_def("daily_job")
    success, ranges = build_pending(
        settings, instance, daily, cli_tags(), SILENT, reporter, "dr drill", silver_only=True
    )
    if not success:
        raise RuntimeError("the drill's rebuild of the pending window failed (see above)")
    return [f"{start}..{end}" for start, end in ranges]


def build_products(
    settings, defs, instance, tags: dict[str, str], run_config: dict, reporter: Reporter, gold_changed: bool, full: bool
) -> bool:
    """Steps 3 and 4: forecasts, then the explanation index, each only when gold changed or it is missing.

    The backtest runs when the environment has no champion policy yet (its first candidate becomes
    champion) or with ``full``; otherwise forecasts reuse every well whose rows did not change, and the
    index embeds only chunks whose content changed, so a new day stays cheap."""
    from dagster import AssetKey

    from da_platform.defs.resources import registry_resource
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.rag.store import index_built

    lake = open_lake(settings)
    has_forecasts = lake.exists(FORECAST_WELL_DAILY.path)
    has_champion = registry_resource(settings).champion_config()[1] is not None
    forecast_keys = [AssetKey(list(k)) for k in FORECAST_KEYS]
    if full or not has_champion:
        forecast_keys.insert(0, AssetKey(list(BACKTEST_KEY)))
    ok = True
    forecasts_ran = False
    if full or gold_changed or not has_forecasts or not has_champion:
        what = "backtest, champion, forecasts" if len(forecast_keys) == 3 else "forecasts of changed wells"
        result = reporter.step(
            f"[3/4] {what}",
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
        reporter.outcome(result)
        ok, forecasts_ran = result.success, True
        if not ok:
            reporter.say("forecasts failed (see above); gold is built, the next run retries them")
    else:
        reporter.say("[3/4] forecasts: gold did not change, nothing to refit")
    if not ok:
        return False
    if full or forecasts_ran or not index_built(settings):
        result = reporter.step(
            "[4/4] explanation index (changed chunks only)",
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
        reporter.outcome(result)
        if not result.success:
            reporter.say("explanation index failed (see above); `datalive index` or the next run rebuilds it")
            return False
    else:
        reporter.say("[4/4] explanation index: up to date")
    return True


def status(settings, instance, defs, include_raw: bool = True) -> dict[str, Any]:
    """The environment's status: row counts per layer, the latest quality checks, freshness and the
    pending window (``datalive status`` and the summary after a run)."""
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
