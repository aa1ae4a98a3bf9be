"""The environment's audit trail: every action that changes the environment, hash-chained, append-only.

The trail is one Delta table in the environment's own lake (``raw/audit_log``), so it lives wherever the
lake lives (a local folder or the environment's object store) and, like the rest of raw, is never vacuumed.
Each record holds time, actor, action, target and outcome (and a small JSON detail), its sequence number,
the hash of the previous record and its own hash over all of that. :func:`verify` proves three things:
the table was only ever appended to (its Delta history holds appends only), the sequence has no gap, and
every hash recomputes and links to the one before. A deleted or edited record breaks one of them.

Writers: the CLI (runs, keys, promotions, rollbacks, PR cleanup, restores, retention) and a run-status
sensor for runs Dagster starts (:mod:`da_platform.defs.ops.audit_sensors`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from deltalake import DeltaTable

from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import Lake

AUDIT_TABLE = "raw/audit_log"
AUDIT_SCHEMA: dict[str, pl.DataType] = {
    "seq": pl.Int64(),
    "time": pl.Datetime("us", "UTC"),
    "actor": pl.String(),
    "action": pl.String(),
    "target": pl.String(),
    "outcome": pl.String(),
    "detail": pl.String(),
    "prev_hash": pl.String(),
    "hash": pl.String(),
}
GENESIS = "0" * 64
# The only Delta operations an append-only table may show in its history.
_APPEND_OPERATIONS = {("WRITE", "Append"), ("CREATE TABLE", None)}


class AuditTampered(ValueError):
    """The audit table was edited, shortened or rewritten: the chain no longer verifies."""


@dataclass(frozen=True)
class AuditRecord:
    """One audited action."""

    seq: int
    time: datetime
    actor: str
    action: str
    target: str
    outcome: str
    detail: str
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (time as ISO 8601, detail parsed)."""
        data = asdict(self)
        data["time"] = self.time.isoformat()
        data["detail"] = json.loads(self.detail) if self.detail else {}
        return data


def cli_actor() -> str:
    """``cli:<user>`` for the operating-system account running the command (from the password database,
    not from an environment variable someone could set)."""
    try:
        return f"cli:{pwd.getpwuid(os.getuid()).pw_name}"
    except KeyError:
        return f"cli:uid-{os.getuid()}"


def record_hash(
    seq: int, time: datetime, actor: str, action: str, target: str, outcome: str, detail: str, prev_hash: str
) -> str:
    """The sha256 of a record's content and its predecessor's hash (canonical JSON, sorted keys)."""
    body = {
        "seq": seq,
        "time": time.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target": target,
        "outcome": outcome,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def read(lake: Lake, since: datetime | None = None) -> list[AuditRecord]:
    """The records in sequence order (from ``since`` on, when given); empty before the first action."""
    frame = lake.read(AUDIT_TABLE, AUDIT_SCHEMA).sort("seq")
    if since is not None:
        frame = frame.filter(pl.col("time") >= since.astimezone(UTC))
    return [AuditRecord(**row) for row in frame.iter_rows(named=True)]


def append(
    lake: Lake,
    actor: str,
    action: str,
    target: str,
    outcome: str,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditRecord:
    """Append one record, chained to the last one. ``detail`` must hold no secret (callers pass ids, names,
    versions and counts, never keys or credentials).

    One writer at a time: two concurrent appends could take the same sequence number, and :func:`verify`
    would then report the fork. Callers outside a test go through :func:`record`, which holds the
    environment's audit lock.
    """
    for name, value in (("actor", actor), ("action", action), ("target", target), ("outcome", outcome)):
        if not value or not isinstance(value, str):
            raise ValueError(f"an audit record needs a non-empty {name}")
    last = (
        lake.scan(AUDIT_TABLE).select("seq", "hash").sort("seq").tail(1).collect()
        if lake.exists(AUDIT_TABLE)
        else pl.DataFrame(schema={"seq": pl.Int64(), "hash": pl.String()})
    )  # only two columns of the trail are read, however long it grows
    seq, prev = (0, GENESIS) if last.is_empty() else (int(last["seq"][0]) + 1, str(last["hash"][0]))
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=UTC)
    detail_text = json.dumps(detail or {}, sort_keys=True, default=str)
    digest = record_hash(seq, moment, actor, action, target, outcome, detail_text, prev)
    record = AuditRecord(seq, moment, actor, action, target, outcome, detail_text, prev, digest)
    row = {**asdict(record)}
    lake.append(AUDIT_TABLE, pl.DataFrame([row], schema=AUDIT_SCHEMA))
    return record


def record(settings: Settings, lake: Lake, actor: str, action: str, target: str, outcome: str,
           detail: dict[str, Any] | None = None) -> AuditRecord:  # fmt: skip
    """:func:`append` under ``settings``' audit lock, so processes appending at once keep one chain."""
    from da_platform.run_lock import audit_lock

    with audit_lock(settings):
        return append(lake, actor, action, target, outcome, detail)


def _history_problems(lake: Lake) -> list[str]:
    problems = []
    history = DeltaTable(lake.uri(AUDIT_TABLE), storage_options=lake.storage_options).history()
    for commit in sorted(history, key=lambda c: c.get("version", 0)):
        operation = commit.get("operation")
        mode = (commit.get("operationParameters") or {}).get("mode")
        if (operation, mode) not in _APPEND_OPERATIONS:
            problems.append(
                f"{lake.uri(AUDIT_TABLE)}: commit {commit.get('version')} is a {operation}"
                + (f" ({mode})" if mode else "")
                + ", but the audit table may only be appended to"
            )
    return problems


def verify(lake: Lake) -> int:
    """Check the whole trail and return how many records it holds; raise :class:`AuditTampered` naming the
    first record (and the rule) that fails."""
    if not lake.exists(AUDIT_TABLE):
        return 0
    problems = _history_problems(lake)
    expected_prev = GENESIS
    records = read(lake)
    for position, record in enumerate(records):
        where = f"audit record {record.seq} ({record.time.isoformat()} {record.action} {record.target})"
        if record.seq != position:
            missing = "deleted" if record.seq > position else "duplicated"
            problems.append(f"{where}: expected sequence number {position}, a record was {missing}")
            break
        if record.prev_hash != expected_prev:
            problems.append(f"{where}: its previous-record hash does not match record {position - 1}")
            break
        content = record_hash(
            record.seq, record.time, record.actor, record.action, record.target, record.outcome,
            record.detail, record.prev_hash,
        )  # fmt: skip
        if content != record.hash:
            problems.append(f"{where}: was edited (its content no longer matches its hash)")
            break
        expected_prev = record.hash
    if problems:
        raise AuditTampered("the audit trail does not verify: " + "; ".join(problems))
    return len(records)


def render(records: list[AuditRecord]) -> str:
    """One line per record, oldest first."""
    lines = []
    for r in records:
        detail = json.loads(r.detail) if r.detail else {}
        extra = " ".join(f"{k}={v}" for k, v in sorted(detail.items()))
        lines.append(
            f"{r.seq:>5}  {r.time.isoformat(timespec='seconds')}  {r.actor:<24} {r.action:<18} "
            f"{r.target}  {r.outcome}" + (f"  {extra}" if extra else "")
        )
    return "\n".join(lines)
