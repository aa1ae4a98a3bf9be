"""How a run's steps appear on the terminal: a one-line progress bar while a step runs, a line with its
elapsed time when it ends, and one line per failed check or step (the CLI's :class:`run_steps.Reporter`)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from contextlib import ExitStack
from typing import Any

from da_platform.cli.common import say


class TerminalReporter:
    """The reporter ``datalive run`` and the drill hand to ``run_steps``: lines on stderr, a progress bar on
    a terminal, every check, step and traceback with ``verbose``."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose

    def say(self, message: str) -> None:
        """One line on stderr."""
        say(message)

    def step(self, title: str, work, instance: Any = None, expected: Iterable[str] = ()) -> Any:
        """Run one step under a one-line progress display (a terminal only), then print its line with the
        elapsed time. Library output on stdout (dbt's log lines) is kept off the screen unless ``verbose``.

        ``work`` receives the run id to execute under; with the ``instance`` it runs on and the ``expected``
        asset keys, the bar shows completed / total assets as the run stores their materializations (a dbt
        step: model by model). Off a terminal nothing extra is printed."""
        import io
        import uuid
        from contextlib import redirect_stdout

        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        from da_platform.run_progress import AssetProgress

        verbose = self.verbose
        try:  # (rich's own test honours FORCE_COLOR: CI logs would get the bar)
            display = not verbose and os.isatty(sys.stderr.fileno())
        except (AttributeError, OSError, ValueError):  # a captured stream (pytest's) has no descriptor
            display = False
        stack = ExitStack()
        console = None
        if display:
            # Dagster captures a step's output by pointing descriptors 1 and 2 at its compute log while the
            # step runs; a console on sys.stderr would then find no terminal and stop drawing. A duplicate of
            # the terminal's descriptor, taken now, keeps reaching the screen.
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
        say(f"{title} · {state} in {time.perf_counter() - started:.1f} s")
        return result

    def outcome(self, result) -> None:
        """The lines a person reads: failed checks and steps (one line each: the error's message, which
        names the file, row and rule), ignored landing entries; with ``verbose`` every check, step and
        traceback."""
        from da_platform.catalog import RAW_LANDED_FILES

        verbose = self.verbose
        for event in result.all_events:
            if event.event_type_value == "ASSET_CHECK_EVALUATION":
                evaluation = event.event_specific_data
                if evaluation.passed and not verbose:
                    continue
                mark = "ok " if evaluation.passed else "FAIL"
                note = evaluation.description if not evaluation.passed and evaluation.description else ""
                say(
                    f"   check {mark} {evaluation.asset_key.to_user_string()}:{evaluation.check_name} "
                    f"({evaluation.severity.value})" + (f": {note}" if note else "")
                )
            elif event.event_type_value == "STEP_FAILURE":
                error = event.event_specific_data.error
                say(f"   step failed: {event.step_key}: {one_line(error)}")
                if verbose:
                    say(error.to_string())
            elif event.event_type_value == "STEP_SUCCESS" and verbose:
                say(f"   done {event.step_key}")
            elif event.event_type_value == "ASSET_MATERIALIZATION":
                materialization = event.event_specific_data.materialization
                if tuple(materialization.asset_key.path) == RAW_LANDED_FILES.key:
                    skipped = materialization.metadata.get("skipped")
                    for line in (skipped.value if skipped is not None else [])[:10]:
                        say(f"   ignored {line}")


def one_line(error) -> str:
    """An error's message without its traceback: a Failure's description, or the exception's first line
    (`--verbose` prints the rest)."""
    message, cause, cls_name = (error.message or "").strip(), error.cause, error.cls_name
    while cause is not None and message.startswith("dagster._core.errors"):  # a wrapper: say the cause
        message, cls_name, cause = (cause.message or "").strip(), cause.cls_name, cause.cause
    qualified, _, rest = message.partition(": ")
    if cls_name and qualified.endswith(cls_name) and rest:  # "dagster._core....Failure: text" → "text"
        message = rest if cls_name == "Failure" else f"{cls_name}: {rest}"
    return message.splitlines()[0] if message else cls_name or "error"
