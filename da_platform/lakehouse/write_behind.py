"""Lake writes that run behind the work producing them: one background thread, one write at a time.

A Delta write spends its time in delta-rs (Parquet encoding, outside the GIL), so on a machine with two
cores the next batch can be parsed while the last one is written. The writes keep their order, at most
one runs while the caller prepares the next (memory stays at two batches), and a failed write raises in
the caller at its next submit or at the end: nothing is written after a failure the caller has not seen.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any


class WriteBehind:
    """Run ``submit``-ted writes in order on one background thread; use as a context manager, whose exit
    waits for the last write (and raises its error)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lake-write")
        self._running: Future[Any] | None = None

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        """Start ``write(*args)`` once the previous write has finished (raising that one's error)."""
        self.wait()
        self._running = self._pool.submit(write, *args)

    def wait(self) -> None:
        """Block until the running write has finished; raise its error, if any."""
        running, self._running = self._running, None
        if running is not None:
            running.result()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.wait()  # also after an error in the caller: no write may outlive the step
        except Exception as write_error:
            if exc is None:
                raise
            exc.add_note(f"and the lake write running behind it failed too: {write_error!r}")
        finally:
            self._pool.shutdown(wait=True)
