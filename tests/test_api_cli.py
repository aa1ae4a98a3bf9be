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


def test_keys_are_created_in_the_environment_da_env_names(isolated_env: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DA_ENV", "prod")
    assert main(["keys", "create"]) == 0
    assert capsys.readouterr().out.strip().startswith("dlk_prod_")
    assert (isolated_env / "prod" / "api" / "keys.json").exists()
    assert not (isolated_env / "dev").exists()
