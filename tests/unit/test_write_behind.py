"""Writes behind the caller: in order, one at a time, and no failure goes unseen."""

from __future__ import annotations

import threading
import time

import pytest

from da_platform.lakehouse.write_behind import WriteBehind


def test_writes_run_in_the_order_they_were_submitted() -> None:
    done: list[int] = []
    with WriteBehind() as writes:
        for i in range(20):
            writes.submit(lambda i: (time.sleep(0.001 * (i % 3)), done.append(i)), i)
    assert done == list(range(20))


def test_the_caller_goes_on_while_a_write_runs() -> None:
    started, release = threading.Event(), threading.Event()

    def slow_write() -> None:
        started.set()
        release.wait(5)

    with WriteBehind() as writes:
        writes.submit(slow_write)
        assert started.wait(5)
        assert not release.is_set()  # submit returned while the write is still running
        release.set()


def test_only_one_write_runs_at_a_time() -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    def write() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1

    with WriteBehind() as writes:
        for _ in range(5):
            writes.submit(write)
    assert most[0] == 1


def test_a_failed_write_raises_at_the_next_submit_and_the_next_write_does_not_run() -> None:
    done: list[str] = []

    def failing() -> None:
        raise OSError("disk full")

    writes = WriteBehind()
    writes.submit(failing)
    with pytest.raises(OSError, match="disk full"):
        writes.submit(done.append, "after")
    writes.wait()
    assert done == []


def test_the_last_write_is_waited_for_and_its_failure_raised_on_exit() -> None:
    def failing() -> None:
        time.sleep(0.01)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), WriteBehind() as writes:
        writes.submit(failing)


def test_the_callers_own_error_stays_the_one_raised_with_the_write_failure_noted() -> None:
    def failing() -> None:
        raise OSError("disk full")

    with pytest.raises(ValueError, match="bad file") as raised, WriteBehind() as writes:
        writes.submit(failing)
        time.sleep(0.01)
        raise ValueError("bad file")
    assert any("disk full" in note for note in raised.value.__notes__)
