"""One writer per environment: an exclusive OS file lock held by every command that writes the lake.

Dagster's run queue (``datalive/lake-writer``, limit 1) only orders runs the daemon launches;
``execute_in_process`` never passes through it, so two ``datalive run`` on one home used to land the same
files into bronze twice. Every lake-writing command (``run``, ``stream``, ``cleanup``, ``restore``) takes
:func:`environment_lock` first.

The lock is ``flock(2)`` on ``<home>/.locks/<env>.lock`` (``qa-pr-5.lock`` for a branch deployment),
outside the environment's own folder so that ``cleanup`` (which deletes that folder) and a restore
(which replaces it) keep it. The kernel releases a flock when its holder dies, however it dies; the
holder writes its PID, host, command and start time into the file and clears them when it lets go, so a
record found by the next holder is the mark of a process that died holding the lock: it is taken over and
logged. A second command meanwhile refuses (:class:`EnvironmentLocked`, naming the holder) or, with
``wait=True``, waits for it.

Limit: the lock lives in the local home, so it excludes writers on one host only. Two hosts writing one
object-store lake are not excluded by it (see the README's Reliability section).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from da_platform.env import Settings

LOCKS_FOLDER = ".locks"
log = logging.getLogger("datalive.lock")

# Locks this process holds, by path, with their depth: a command that holds the lock may call code that
# takes it again (a restore that runs a build); a second flock on a new descriptor would deadlock on itself.
_held: dict[Path, tuple[int, LockHolder]] = {}


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) an environment's lock."""

    pid: int
    host: str
    command: str
    started_at: str  # ISO 8601, UTC

    def describe(self) -> str:
        """``pid 4242 on host-a (datalive run, since 2026-12-02T14:01:09+00:00)``."""
        return f"pid {self.pid} on {self.host} ({self.command}, since {self.started_at})"

    def is_running(self) -> bool:
        """Whether the holder's process still exists (only knowable on its own host)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process: it exists
            return True
        return True


class EnvironmentLocked(RuntimeError):
    """Another process holds the environment's lock."""

    def __init__(self, isolation_key: str, path: Path, holder: LockHolder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder else "another process (it has not written its name yet)"
        super().__init__(
            f"environment {isolation_key} is being written by {who}; lock {path}. "
            "Pass --wait to wait for it, or try again when it has finished."
        )


def lock_path(settings: Settings) -> Path:
    """The lock file of one home and environment."""
    return settings.home / LOCKS_FOLDER / (settings.isolation_key.replace("/", "-") + ".lock")


def _read_holder(fd: int) -> LockHolder | None:
    raw = os.pread(fd, 4096, 0)
    if not raw.strip():
        return None
    try:
        return LockHolder(**json.loads(raw))
    except (ValueError, TypeError):  # half-written by a holder that died mid-write, or not ours
        return None


def current_holder(settings: Settings) -> LockHolder | None:
    """The recorded holder of the lock, without taking it (for ``datalive status``): None when free.

    A record whose process is gone is a lock left by a dead process; the next command takes it over.
    """
    path = lock_path(settings)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        return _read_holder(fd)
    finally:
        os.close(fd)


@contextmanager
def environment_lock(
    settings: Settings,
    wait: bool = False,
    command: str = "datalive",
    report: Callable[[str], None] | None = None,
) -> Iterator[LockHolder]:
    """Hold the exclusive lock of ``settings``' home and environment for the ``with`` block.

    Raises :class:`EnvironmentLocked` when another process holds it and ``wait`` is false; with ``wait``
    blocks until it is free. ``report`` receives the messages a user should see (waiting, a dead holder's
    lock taken over); they are logged as well.
    """

    def say(message: str) -> None:
        log.warning(message)
        if report is not None:
            report(message)

    path = lock_path(settings)
    if path in _held:
        depth, me = _held[path]
        _held[path] = (depth + 1, me)
        try:
            yield me
        finally:
            depth, me = _held[path]
            _held[path] = (depth - 1, me)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            if not wait:
                raise EnvironmentLocked(settings.isolation_key, path, holder) from None
            say(f"waiting for {holder.describe() if holder else 'another process'} to release {path} …")
            fcntl.flock(fd, fcntl.LOCK_EX)
        left = _read_holder(fd)
        if left is not None:
            # A clean release clears the record, so one still here was left by a process that died holding it.
            say(f"took over the lock of {settings.isolation_key} left by a dead process: {left.describe()}")
        me = LockHolder(
            pid=os.getpid(),
            host=socket.gethostname(),
            command=command,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        os.fsync(fd)
        _held[path] = (1, me)
        try:
            yield me
        finally:
            del _held[path]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def audit_lock(settings: Settings) -> Iterator[None]:
    """Hold the short lock that orders appends to ``settings``' audit trail, waiting for it.

    Each audit record carries the hash of the one before, so two processes appending at once (a key created
    while a run records its outcome, two sensor ticks) would fork the chain. An append takes milliseconds,
    so this lock, unlike :func:`environment_lock`, always waits. Same limit: one host.
    """
    path = settings.home / LOCKS_FOLDER / (settings.isolation_key.replace("/", "-") + ".audit.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
