"""API keys of one environment: created once, stored hashed, bound to the environment that made them.

A key reads ``dlk_<environment>_<key id>_<secret>`` where ``<environment>`` is the isolation key with ``/``
as ``.`` (``dev``, ``prod``, ``qa.pr-12``). The store (``<env root>/api/keys.json``) keeps, per key, its id,
name, environment, creation and revocation times and ``sha256(environment \\0 key)``: never the key.

Why a key carries its environment twice (in its text and in its hash):

- a dev key presented to prod is recognised as another environment's key and refused (403) without
  looking anything up;
- a dev store copied into prod's folder still verifies nothing there: the hash is salted with the
  environment that computes it, and every record names its environment, which must equal the
  verifier's.

Rotation: any number of keys can be valid at once, so a client moves to a new key and the old one is
revoked afterwards (``datalive keys create``, deploy, ``datalive keys revoke <old id>``).

The secret has 256 bits from :mod:`secrets`, so a plain SHA-256 (not a slow password hash) is enough to
make the store useless to someone who reads it, and keeps verification cheap on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from da_platform.lakehouse.delta_lake import require_environment_folder

PREFIX = "dlk"
_KEY_RE = re.compile(r"^dlk_(?P<env>[a-z0-9.\-]{2,40})_(?P<id>[a-f0-9]{12})_(?P<secret>[A-Za-z0-9_\-]{43})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9 _.\-]{1,64}$")


class AuthFailure(Exception):
    """Base of the verification outcomes that refuse a request."""


class MissingKey(AuthFailure):
    """No key was sent."""


class InvalidKey(AuthFailure):
    """The key is malformed, unknown, revoked or does not match its record."""


class WrongEnvironmentKey(AuthFailure):
    """A well-formed key of another environment."""


class KeyStoreInvalid(ValueError):
    """``api/keys.json`` exists but is not a key store this code wrote: nothing can be verified against it.

    The message says what is wrong and how to fix it, and names the file only relative to the
    environment folder (it reaches API clients, which must not learn server paths).
    """


@dataclass(frozen=True)
class KeyRecord:
    """What the store keeps about one key (no secret)."""

    key_id: str
    name: str
    environment: str
    created_at: str
    revoked_at: str | None
    key_hash: str
    expires_at: str | None = None  # a short-lived key (the dashboard link of `datalive serve`); None: never

    @property
    def active(self) -> bool:
        """Not revoked (expiry is checked against the time of use: :meth:`valid_at`)."""
        return self.revoked_at is None

    def valid_at(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.active and (self.expires_at is None or now < datetime.fromisoformat(self.expires_at))

    def public(self, now: datetime | None = None) -> dict[str, object]:
        """The record without its hash, for listings; ``active`` is whether it verifies at ``now``."""
        data = asdict(self)
        data.pop("key_hash")
        data["active"] = self.valid_at(now or datetime.now(UTC))
        return data


def env_token(isolation_key: str) -> str:
    """The environment as it appears inside a key: ``qa/pr-12`` -> ``qa.pr-12``."""
    return isolation_key.replace("/", ".")


def _hash(isolation_key: str, key: str) -> str:
    return hashlib.sha256(f"{isolation_key}\0{key}".encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The id part of a well-formed key (safe to log), else None."""
    match = _KEY_RE.match(key)
    return match.group("id") if match else None


class KeyStore:
    """The hashed keys of one environment, in ``<env root>/api/keys.json``."""

    def __init__(self, env_root: Path, isolation_key: str) -> None:
        self.isolation_key = isolation_key
        root = Path(env_root).resolve()
        require_environment_folder(root, isolation_key, f"key store under {root}")
        self.path = root / "api" / "keys.json"
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int, int], dict[str, KeyRecord]] | None = None

    # -- reading and writing the store -------------------------------------------------------------

    def records(self) -> list[KeyRecord]:
        """Every key ever created here, oldest first."""
        return sorted(self._load().values(), key=lambda r: (r.created_at, r.key_id))

    def _load(self) -> dict[str, KeyRecord]:
        """The store, re-read only when the file changed (a revoke from the CLI applies to a running server)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        # Every save replaces the file (new inode), so the signature changes even within one mtime tick.
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._cache and self._cache[0] == signature:
                return self._cache[1]
            records = self._parse(self.path.read_bytes())
            self._cache = (signature, records)
            return records

    @staticmethod
    def _parse(data: bytes) -> dict[str, KeyRecord]:
        """The records of a store file, or :class:`KeyStoreInvalid` saying what to fix (fail closed: a store
        that cannot be read verifies no key, and says so instead of failing every request obscurely)."""
        fix = (
            "restore api/keys.json of this environment from a backup, or move it aside and create new keys "
            "with `datalive keys create` (clients then need the new keys)"
        )
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise KeyStoreInvalid(f"the key store api/keys.json is not valid UTF-8 JSON{where}; {fix}") from exc
        keys = raw.get("keys") if isinstance(raw, dict) else None
        if not isinstance(keys, list):
            raise KeyStoreInvalid(f'the key store api/keys.json has no "keys" list; {fix}')
        records: dict[str, KeyRecord] = {}
        for n, entry in enumerate(keys, start=1):
            try:
                record = KeyRecord(**entry)
            except TypeError as exc:  # not an object, or missing / unexpected fields
                raise KeyStoreInvalid(f"the key store api/keys.json: key entry {n} is not a key record; {fix}") from exc
            optional = ("revoked_at", "expires_at")
            if not all(isinstance(v, str) for k, v in asdict(record).items() if k not in optional) or not all(
                getattr(record, k) is None or isinstance(getattr(record, k), str) for k in optional
            ):
                raise KeyStoreInvalid(f"the key store api/keys.json: key entry {n} has a non-text field; {fix}")
            records[record.key_id] = record
        return records

    def _save(self, records: dict[str, KeyRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"environment": self.isolation_key, "keys": [asdict(r) for r in records.values()]}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keys-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        with self._lock:
            self._cache = None

    # -- the operations ----------------------------------------------------------------------------

    def create(
        self, name: str = "default", now: datetime | None = None, ttl: timedelta | None = None
    ) -> tuple[str, KeyRecord]:
        """A new key: returned once, stored only as its hash; with ``ttl`` it stops verifying after that."""
        if not _NAME_RE.match(name):
            raise ValueError("a key name is 1-64 letters, digits, spaces, '_', '.' or '-'")
        records = dict(self._load())
        key_id = secrets.token_hex(6)
        while key_id in records:
            key_id = secrets.token_hex(6)
        key = f"{PREFIX}_{env_token(self.isolation_key)}_{key_id}_{secrets.token_urlsafe(32)}"
        created = now or datetime.now(UTC)
        if ttl is not None and ttl <= timedelta(0):
            raise ValueError("a key's time to live must be positive")
        record = KeyRecord(
            key_id=key_id,
            name=name,
            environment=self.isolation_key,
            created_at=created.isoformat(timespec="seconds"),
            revoked_at=None,
            key_hash=_hash(self.isolation_key, key),
            expires_at=(created + ttl).isoformat(timespec="seconds") if ttl is not None else None,
        )
        records[key_id] = record
        self._save(records)
        return key, record

    def revoke(self, key_id: str, now: datetime | None = None) -> KeyRecord:
        """Mark a key revoked (kept in the store for the record); unknown ids raise KeyError."""
        records = dict(self._load())
        if key_id not in records:
            raise KeyError(key_id)
        record = records[key_id]
        if record.revoked_at is None:
            stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
            record = KeyRecord(**{**asdict(record), "revoked_at": stamp})
            records[key_id] = record
            self._save(records)
        return record

    def verify(self, key: str | None, now: datetime | None = None) -> KeyRecord:
        """The valid (not revoked, not expired) record of ``key`` in this environment, or one of the
        :class:`AuthFailure` outcomes."""
        if not key:
            raise MissingKey()
        match = _KEY_RE.match(key)
        if not match:
            raise InvalidKey()
        if match.group("env") != env_token(self.isolation_key):
            raise WrongEnvironmentKey()
        record = self._load().get(match.group("id"))
        if (
            record is None
            or record.environment != self.isolation_key
            or not hmac.compare_digest(record.key_hash, _hash(self.isolation_key, key))
            or not record.valid_at(now or datetime.now(UTC))
        ):
            raise InvalidKey()
        return record
