"""The folder where an environment's dbt runs leave their artefacts, and what the next run starts from.

Each dbt call gets a target folder of its own (manifest, run results, compiled SQL, logs: ~7 MB). They
live under the environment's folder, not in the dbt project (where the default put them, and where
they grew by a gigabyte over a day of tests), and only the latest few are kept. The partial-parse state
of the latest successful run is kept beside them: the next run copies it and re-parses only what changed
(a new window: the models that read it), instead of the whole project. That state is tied to the
environment's profile (its warehouse or schema). On DuckDB the profile renders the same in every dev
environment (``dbt_launch`` says how), so an environment without a state of its own yet starts from the
one ``make setup``'s ``dbt parse`` left in the project: dbt checks that state's profile, variables and
files, and parses again whatever differs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PARSE_STATE = "partial_parse.msgpack"  # dbt's file name; dagster-dbt copies it into each run's folder
KEEP_RUNS = 5


def seed_parse_state(work_dir: Path, project_target: Path) -> bool:
    """Give ``work_dir`` the project's parse state (``project_target``'s) when it has none of its own;
    True when it was copied. A state that does not fit makes dbt parse in full, as without one."""
    seed = project_target / PARSE_STATE
    if (work_dir / PARSE_STATE).exists() or not seed.exists():
        return False
    _install_parse_state(seed, work_dir)
    return True


def keep_parse_state(run_target: Path, work_dir: Path, keep: int = KEEP_RUNS) -> None:
    """Make ``run_target``'s partial-parse state the one the next run in ``work_dir`` starts from, and
    delete all but the latest ``keep`` run folders (``run_target`` is always kept)."""
    state = run_target / PARSE_STATE
    if state.exists():
        _install_parse_state(state, work_dir)
    runs = sorted(
        (p for p in work_dir.iterdir() if p.is_dir() and p.resolve() != run_target.resolve()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in runs[max(keep - 1, 0) :]:
        shutil.rmtree(old, ignore_errors=True)


def _install_parse_state(state: Path, work_dir: Path) -> None:
    """Copy ``state`` in as ``work_dir``'s parse state; a concurrent reader sees the old file or the new one."""
    staged = work_dir / f".{PARSE_STATE}.{os.getpid()}"
    shutil.copyfile(state, staged)
    os.replace(staged, work_dir / PARSE_STATE)
