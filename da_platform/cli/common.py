"""What every command group of the CLI shares: how it speaks, the writer lock, the audit trail, the model
registry and the time options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

WAIT_HELP = "wait for another command writing this environment to finish (default: refuse)"
LOCKED_EXIT = 75  # EX_TEMPFAIL: another command holds the environment lock; retry, or pass --wait

Handler = Callable[[argparse.Namespace, Any], int]


def say(message: str) -> None:
    """A line for the person at the terminal (stderr: stdout carries the commands' data)."""
    print(message, file=sys.stderr, flush=True)


def writer_lock(settings, wait: bool, command: str) -> ExitStack | None:
    """The environment's writer lock, taken (leave the returned stack to release it); None, after saying
    which process holds it, when another one does and ``wait`` is false."""
    from da_platform.run_lock import EnvironmentLocked, environment_lock

    stack = ExitStack()
    try:
        stack.enter_context(environment_lock(settings, wait=wait, command=command, report=say))
    except EnvironmentLocked as exc:
        say(f"{command}: {exc}")
        return None
    return stack


def locked(command: str, handler: Handler) -> Handler:
    """``handler`` run under the environment's writer lock (restore, retention --apply and the drill write
    the lake as a run does); a read-only use of the same command (``--history``, a dry run) takes no lock."""

    def run(args: argparse.Namespace, settings) -> int:
        if getattr(args, "history", False) or (command == "datalive retention" and not args.apply):
            return handler(args, settings)
        lock = writer_lock(settings, args.wait, command)
        if lock is None:
            return LOCKED_EXIT
        with lock:
            return handler(args, settings)

    return run


def audit(settings, action: str, target: str, outcome: str, detail: dict[str, Any] | None = None) -> None:
    """Append a record to this environment's audit trail, the CLI's user as the actor.

    A lake that is not the environment's own (a dev run pointed at prod's buckets) has no trail to write to:
    the command's own refusal says why, and the record is not written anywhere else."""
    from da_platform.lakehouse.delta_lake import OutsideEnvironmentError, open_lake
    from da_platform.lakehouse.object_lake import LakeLocationError
    from da_platform.ops import audit as trail

    try:
        lake = open_lake(settings)
    except (OutsideEnvironmentError, LakeLocationError) as exc:
        say(f"audit record of {action} not written: {exc}")
        return
    trail.record(settings, lake, trail.cli_actor(), action, target, outcome, detail)


def audit_quietly(settings, action: str, target: str, detail: dict[str, Any]) -> None:
    """An audit record that must not stop the server from starting or revoking (the lake may be down)."""
    try:
        audit(settings, action, target, "ok", detail)
    except Exception as exc:  # reported; the key operation it records has already happened
        say(f"could not record {action} of {target} in the audit trail: {type(exc).__name__}")


def registry(settings):
    """The environment's model registry (its MLflow server, else its local store)."""
    from da_platform.defs.resources import registry_resource

    return registry_resource(settings)


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 timestamp with its zone (``Z`` or an offset); a bare date is midnight UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"datalive: {option} {text!r} is not an ISO 8601 timestamp (2026-12-01T08:00Z)") from None
    if len(text) == 10:  # a bare date
        moment = moment.replace(tzinfo=UTC)
    return moment


def quiet_libraries() -> None:
    """Keep library noise off a person's screen (`--verbose` keeps it): Dagster's preview/beta warnings and
    other Python warnings, MLflow's and alembic's informational logging."""
    import logging
    import warnings

    from da_platform.env import quiet_library_logging

    quiet_library_logging()
    warnings.filterwarnings("ignore")
    for name in ("mlflow", "alembic", "huggingface_hub", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)
