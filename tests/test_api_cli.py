"""`datalive keys create|list|revoke`: the key is printed once, the listing never shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from da_platform.api.keys import InvalidKey, KeyStore
from da_platform.cli import main


def test_keys_create_prints_the_key_once_and_list_shows_only_its_id(isolated_env: Path, capsys) -> None:
    assert main(["keys", "create", "--name", "powerbi"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("dlk_dev_")
    assert main(["keys", "list", "--json"]) == 0
    out = capsys.readouterr().out
    (listed,) = json.loads(out)
    assert listed["name"] == "powerbi" and listed["active"] is True and listed["environment"] == "dev"
    assert key not in out and "key_hash" not in out
    assert KeyStore(isolated_env / "dev", "dev").verify(key).key_id == listed["key_id"]


def test_keys_revoke_makes_the_key_invalid(isolated_env: Path, capsys) -> None:
    assert main(["keys", "create"]) == 0
    key = capsys.readouterr().out.strip()
    key_id = KeyStore(isolated_env / "dev", "dev").verify(key).key_id
    assert main(["keys", "revoke", key_id]) == 0
    with pytest.raises(InvalidKey):
        KeyStore(isolated_env / "dev", "dev").verify(key)
    assert main(["keys", "revoke", "000000000000"]) == 2


@pytest.mark.parametrize("command", [["list"], ["revoke", "abc"], ["create", "--name", "bi"]])
def test_keys_on_a_corrupt_store_say_how_to_fix_it_in_one_line(isolated_env: Path, capsys, command: list[str]) -> None:
    assert main(["keys", "create"]) == 0
    KeyStore(isolated_env / "dev", "dev").path.write_text("{ not json", encoding="utf-8")
    capsys.readouterr()

    assert main(["keys", *command]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"datalive keys {command[0]}: ") and "datalive keys create" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_keys_are_created_in_the_environment_da_env_names(isolated_env: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DA_ENV", "prod")
    assert main(["keys", "create"]) == 0
    assert capsys.readouterr().out.strip().startswith("dlk_prod_")
    assert (isolated_env / "prod" / "api" / "keys.json").exists()
    assert not (isolated_env / "dev").exists()


def test_serve_answers_on_the_given_port_and_logs_json_lines_without_the_key(isolated_env: Path, capsys) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    assert main(["keys", "create"]) == 0
    key = capsys.readouterr().out.strip()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "da_platform.cli", "serve", "--port", str(port)],
        env={**os.environ, "DATALIVE_HOME": str(isolated_env)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert json.loads(response.read())["environment"] == "dev"
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "datalive serve did not start"
                time.sleep(0.2)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/catalog", headers={"X-API-Key": key})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)  # no gold in this empty environment
        assert refused.value.code == 503
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    requests = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [(r["path"], r["status"]) for r in requests if r.get("event") == "request"][-1] == ("/catalog", 503)
    assert key not in stderr and key[-43:] not in stderr
    # SIGTERM (what terminate() sends) stops it gracefully, and the dashboard link's key dies with it.
    assert server.returncode == 0
    (link,) = [r for r in KeyStore(isolated_env / "dev", "dev").records() if r.name == "dashboard-link"]
    assert link.revoked_at is not None


def _link_key(stderr: str) -> str:
    """The key in the dashboard link `datalive serve` printed (``http://host:port/#key=<key>``)."""
    import re

    (key,) = re.findall(r"^    http://127\.0\.0\.1:\d+/#key=(dlk_\S+)$", stderr, re.MULTILINE)
    return key


def test_serve_prints_a_dashboard_link_whose_key_works_until_the_server_stops(
    isolated_env: Path, capsys, monkeypatch
) -> None:
    import uvicorn
    from fastapi.testclient import TestClient

    seen: dict[str, int] = {}

    def fake_run(app, **options) -> None:  # the server "runs": the printed link's key opens the API
        key = _link_key(capsys.readouterr().err)
        seen["with_key"] = TestClient(app).get("/catalog", headers={"X-API-Key": key}).status_code
        seen["without"] = TestClient(app).get("/catalog").status_code
        seen["key"] = key  # type: ignore[assignment]

    monkeypatch.setattr(uvicorn, "run", fake_run)
    assert main(["serve", "--port", "8123"]) == 0
    assert (seen["with_key"], seen["without"]) == (503, 401)  # authorized, then no gold in this empty env
    store = KeyStore(isolated_env / "dev", "dev")
    (record,) = [r for r in store.records() if r.name == "dashboard-link"]
    assert record.revoked_at is not None and record.expires_at is not None
    with pytest.raises(InvalidKey):
        store.verify(str(seen["key"]))


def test_serve_revokes_the_link_key_when_the_server_fails(isolated_env: Path, capsys, monkeypatch) -> None:
    import uvicorn

    def failing_run(app, **options) -> None:
        raise OSError("address already in use")

    monkeypatch.setattr(uvicorn, "run", failing_run)
    with pytest.raises(OSError):
        main(["serve", "--port", "8124"])
    (record,) = KeyStore(isolated_env / "dev", "dev").records()
    assert record.revoked_at is not None


def test_serve_with_no_link_creates_no_key(isolated_env: Path, capsys, monkeypatch) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    assert main(["serve", "--no-link"]) == 0
    assert "#key=" not in capsys.readouterr().err
    assert KeyStore(isolated_env / "dev", "dev").records() == []
