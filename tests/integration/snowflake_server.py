"""A Snowflake stand-in on 127.0.0.1: fakesnow's HTTP server (Snowflake SQL on DuckDB), from its own venv.

The platform reaches it the way it reaches Snowflake: the connector and dbt-snowflake over HTTP, configured
only through ``DATALIVE_SNOWFLAKE_*`` variables (host, port and protocol are the stand-in's).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.processes import free_port, stop

FAKESNOW = Path(__file__).resolve().parents[2] / ".tools" / "fakesnow" / "bin" / "fakesnow"


@contextmanager
def snowflake_server(
    folder: Path, databases: tuple[str, ...] = ("DB_DEV", "DB_QA", "DB_PROD")
) -> Iterator[dict[str, str]]:
    """Start fakesnow with its databases under ``folder``, create ``databases`` (as the platform's
    infrastructure would), and yield the variables a deployment sets to reach it."""
    if not FAKESNOW.exists():
        raise RuntimeError(f"{FAKESNOW} is missing: run scripts/install_fakesnow.sh (make test-integration does)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "fakesnow.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(FAKESNOW), "-s", "--host", "127.0.0.1", "-p", str(port), "-d", str(folder / "db")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    environ = {
        "DATALIVE_SNOWFLAKE_ACCOUNT": "fakesnow",
        "DATALIVE_SNOWFLAKE_USER": "datalive_ci",
        "DATALIVE_SNOWFLAKE_PASSWORD": "fakesnow-password-never-printed",
        "DATALIVE_SNOWFLAKE_HOST": "127.0.0.1",
        "DATALIVE_SNOWFLAKE_PORT": str(port),
        "DATALIVE_SNOWFLAKE_PROTOCOL": "http",
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fakesnow did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.3)
        with connect(environ) as con:
            for database in databases:
                con.cursor().execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        yield environ
    finally:
        stop(server)


def connect(environ: dict[str, str], database: str | None = None):
    """A connector connection to the stand-in (for the test's own inspection)."""
    import snowflake.connector

    return snowflake.connector.connect(
        account=environ["DATALIVE_SNOWFLAKE_ACCOUNT"],
        user=environ["DATALIVE_SNOWFLAKE_USER"],
        password=environ["DATALIVE_SNOWFLAKE_PASSWORD"],
        host=environ["DATALIVE_SNOWFLAKE_HOST"],
        port=int(environ["DATALIVE_SNOWFLAKE_PORT"]),
        protocol=environ["DATALIVE_SNOWFLAKE_PROTOCOL"],
        database=database,
    )
