"""How the console scripts (``datalive``, ``datalive-dbt``) end their process.

At exit the interpreter runs its final garbage collections over everything still alive. After a run that
is dagster's definitions, dbt's artifact classes and the rest of a ~1.5 GiB heap: measured here, ~1.0 s
after a 1,000-well ``datalive run`` had printed its summary, and ~0.6 s after any command that imported
dagster-dbt. Nothing depends on those collections: files, databases and locks are closed by the commands
themselves (context managers), atexit handlers still run, and what a collection would free the operating
system takes back with the process. So the scripts freeze the heap (``gc.freeze``: no later collection
looks at it) just before they exit. Only the console scripts do this; tests call ``main`` in process.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import NoReturn


def exit_with(main: Callable[[], int | None]) -> NoReturn:
    """Run ``main`` and exit with its code (or the code of the ``SystemExit`` it raised), skipping the
    interpreter's final collections over the heap it leaves."""
    try:
        code = main()
    finally:  # (a SystemExit that main raises passes through here with its code)
        gc.freeze()
    sys.exit(code)
