"""An MLflow tracking server on 127.0.0.1 for integration tests: SQLite backend, proxied local artifacts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.processes import free_port, stop


@contextmanager
def mlflow_server(folder: Path) -> Iterator[str]:
    """Start ``mlflow server`` with its store under ``folder``; yield its URL; stop it on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("mlflow")), "server",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{(folder / 'mlflow.db').as_posix()}",
        "--artifacts-destination", str(folder / "artifacts"),
    ]  # fmt: skip
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log_text = (folder / "server.log").read_text()[-2000:]
                    raise RuntimeError(f"mlflow server did not start: {log_text}") from None
                time.sleep(0.5)
        yield url
    finally:
        stop(server)
        log.close()
