"""API keys: shown once, stored hashed, valid only in the environment that made them."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from da_platform.api.keys import InvalidKey, KeyStore, KeyStoreInvalid, MissingKey, WrongEnvironmentKey
from da_platform.lakehouse.delta_lake import OutsideEnvironmentError


def store(home: Path, env: str) -> KeyStore:
    return KeyStore(home / env, env)


def test_a_created_key_verifies_and_names_its_record(tmp_path: Path) -> None:
    keys = store(tmp_path, "dev")
    key, record = keys.create("bi-tool")
    assert keys.verify(key) == record
    assert record.name == "bi-tool" and record.environment == "dev" and record.active


def test_the_store_holds_a_hash_never_the_key(tmp_path: Path) -> None:
    keys = store(tmp_path, "dev")
    key, _ = keys.create()
    text = keys.path.read_text()
    assert key not in text
    assert key[-43:] not in text  # the secret part
    assert keys.path.stat().st_mode & 0o077 == 0


def test_a_key_with_a_ttl_verifies_until_it_expires_and_then_is_refused(tmp_path: Path) -> None:
    keys = store(tmp_path, "dev")
    made = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    key, record = keys.create("dashboard", now=made, ttl=timedelta(hours=12))
    assert record.expires_at == "2026-03-02T00:00:00+00:00"
    assert keys.verify(key, now=made + timedelta(hours=11, minutes=59)) == record
    with pytest.raises(InvalidKey):
        keys.verify(key, now=made + timedelta(hours=12))
    assert record.public(now=made)["active"] is True
    assert record.public(now=made + timedelta(hours=12))["active"] is False  # listed as expired, not active
    with pytest.raises(ValueError, match="positive"):
        keys.create("dashboard", ttl=timedelta(0))


def test_a_store_written_before_key_expiry_existed_still_verifies_its_keys(tmp_path: Path) -> None:
    keys = store(tmp_path, "dev")
    key, _ = keys.create("old")
    payload = json.loads(keys.path.read_text())
    for entry in payload["keys"]:
        del entry["expires_at"]
    keys.path.write_text(json.dumps(payload))
    assert keys.verify(key).expires_at is None


def test_a_missing_key_is_refused_as_missing(tmp_path: Path) -> None:
    with pytest.raises(MissingKey):
        store(tmp_path, "dev").verify(None)
    with pytest.raises(MissingKey):
        store(tmp_path, "dev").verify("")


def test_a_wrong_or_altered_key_is_refused(tmp_path: Path) -> None:
    keys = store(tmp_path, "dev")
    key, _ = keys.create()
    altered = key[:-1] + ("A" if key[-1] != "A" else "B")
    for candidate in ("not-a-key", altered, key + "x"):
        with pytest.raises(InvalidKey):
            keys.verify(candidate)


def test_a_key_of_another_environment_is_refused_as_such(tmp_path: Path) -> None:
    dev_key, _ = store(tmp_path, "dev").create()
    with pytest.raises(WrongEnvironmentKey):
        store(tmp_path, "prod").verify(dev_key)


def test_a_dev_store_copied_into_prod_verifies_nothing_there(tmp_path: Path) -> None:
    dev = store(tmp_path, "dev")
    dev_key, _ = dev.create()
    prod = store(tmp_path, "prod")
    prod.path.parent.mkdir(parents=True)
    shutil.copy(dev.path, prod.path)
    # Even a key re-labelled as prod's, with the copied record's id, does not match: the hash is salted
    # with the environment and the record names dev.
    forged = dev_key.replace("dlk_dev_", "dlk_prod_", 1)
    with pytest.raises(InvalidKey):
        prod.verify(forged)
    with pytest.raises(WrongEnvironmentKey):
        prod.verify(dev_key)


def test_a_revoked_key_is_refused_and_stays_listed(tmp_path: Path) -> None:
    keys = store(tmp_path, "dev")
    key, record = keys.create()
    keys.revoke(record.key_id)
    with pytest.raises(InvalidKey):
        keys.verify(key)
    (listed,) = keys.records()
    assert listed.key_id == record.key_id and not listed.active


def test_rotation_keeps_two_keys_valid_until_the_old_one_is_revoked(tmp_path: Path) -> None:
    keys = store(tmp_path, "dev")
    old, old_record = keys.create("old")
    new, _ = keys.create("new")
    assert keys.verify(old) and keys.verify(new)
    keys.revoke(old_record.key_id)
    assert keys.verify(new)
    with pytest.raises(InvalidKey):
        keys.verify(old)


def test_a_revocation_written_by_another_process_applies_to_a_running_store(tmp_path: Path) -> None:
    server = store(tmp_path, "dev")
    key, record = server.create()
    assert server.verify(key)
    store(tmp_path, "dev").revoke(record.key_id)  # the CLI, with its own store object
    with pytest.raises(InvalidKey):
        server.verify(key)


def test_qa_branch_keys_are_per_pull_request(tmp_path: Path) -> None:
    pr12 = KeyStore(tmp_path / "qa" / "pr-12", "qa/pr-12")
    key, _ = pr12.create()
    assert key.startswith("dlk_qa.pr-12_")
    assert pr12.verify(key)
    with pytest.raises(WrongEnvironmentKey):
        KeyStore(tmp_path / "qa" / "pr-13", "qa/pr-13").verify(key)


def test_a_store_outside_its_environment_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutsideEnvironmentError):
        KeyStore(tmp_path / "dev", "prod")


def test_key_names_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        store(tmp_path, "dev").create("bad\nname")
    assert json.loads(json.dumps([r.public() for r in store(tmp_path, "dev").records()])) == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"environment": "dev", "keys": [', "not valid UTF-8 JSON at line 1"),
        ('["not", "a", "store"]', 'no "keys" list'),
        ('{"keys": [{"key_id": "abc"}]}', "key entry 1 is not a key record"),
        ('{"keys": [42]}', "key entry 1 is not a key record"),
    ],
)
def test_an_invalid_store_file_fails_closed_saying_what_to_fix(tmp_path: Path, content: str, says: str) -> None:
    keys = store(tmp_path, "dev")
    key, _ = keys.create("bi")
    keys.path.write_text(content, encoding="utf-8")

    with pytest.raises(KeyStoreInvalid) as invalid:
        keys.verify(key)

    assert says in str(invalid.value)
    assert "datalive keys create" in str(invalid.value)
    assert str(tmp_path) not in str(invalid.value)
