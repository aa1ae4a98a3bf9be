"""The audit trail: hash-chained, append-only, and a deleted or edited record is detected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from da_platform.lakehouse.delta_lake import LocalLake
from da_platform.ops import audit

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _three(lake: LocalLake) -> list[audit.AuditRecord]:
    return [
        audit.append(lake, "cli:ana", "keys.create", "key k1", "ok", {"name": "powerbi"}, now=T0),
        audit.append(lake, "sensor:new_days_sensor", "run", "daily_job", "success", now=T0 + timedelta(hours=1)),
        audit.append(lake, "cli:ana", "keys.revoke", "key k1", "ok", now=T0 + timedelta(hours=2)),
    ]


def test_each_record_carries_the_hash_of_the_previous_one(lake: LocalLake) -> None:
    first, second, third = _three(lake)

    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert [r.seq for r in audit.read(lake)] == [0, 1, 2]
    assert audit.verify(lake) == 3


def test_since_keeps_only_later_records(lake: LocalLake) -> None:
    _three(lake)

    assert [r.action for r in audit.read(lake, since=T0 + timedelta(minutes=30))] == ["run", "keys.revoke"]


def test_an_edited_record_is_detected(lake: LocalLake) -> None:
    _three(lake)
    DeltaTable(lake.uri(audit.AUDIT_TABLE)).update({"outcome": "'failed'"}, predicate="seq = 1")

    with pytest.raises(audit.AuditTampered, match="commit 3 is a UPDATE") as caught:
        audit.verify(lake)
    assert "audit record 1" in str(caught.value) and "was edited" in str(caught.value)


def test_a_deleted_record_is_detected(lake: LocalLake) -> None:
    _three(lake)
    DeltaTable(lake.uri(audit.AUDIT_TABLE)).delete("seq = 1")

    with pytest.raises(audit.AuditTampered, match=r"audit record 2 .*expected sequence number 1, a record was deleted"):
        audit.verify(lake)


def test_a_table_rewritten_as_an_append_of_a_forged_record_is_detected(lake: LocalLake) -> None:
    """Someone appends a record by hand with a made-up hash: the history is clean, the chain is not."""
    records = _three(lake)
    forged = {**records[-1].__dict__, "seq": 3, "outcome": "ok", "prev_hash": records[-1].hash, "hash": "f" * 64}
    write_deltalake(lake.uri(audit.AUDIT_TABLE), pl.DataFrame([forged], schema=audit.AUDIT_SCHEMA).to_arrow(),
                    mode="append")  # fmt: skip

    with pytest.raises(audit.AuditTampered, match=r"audit record 3 .*was edited"):
        audit.verify(lake)


def test_a_shortened_and_rewritten_table_is_detected(lake: LocalLake) -> None:
    records = _three(lake)
    kept = pl.DataFrame([r.__dict__ for r in records[:2]], schema=audit.AUDIT_SCHEMA)
    write_deltalake(lake.uri(audit.AUDIT_TABLE), kept.to_arrow(), mode="overwrite")

    with pytest.raises(audit.AuditTampered, match=r"commit 3 is a WRITE \(Overwrite\)"):
        audit.verify(lake)


def test_an_empty_trail_verifies_and_a_record_needs_every_field(lake: LocalLake) -> None:
    assert audit.verify(lake) == 0
    with pytest.raises(ValueError, match="non-empty target"):
        audit.append(lake, "cli:ana", "restore", "", "ok")
    assert not lake.exists(audit.AUDIT_TABLE)


def test_the_cli_actor_names_the_operating_system_user() -> None:
    import os
    import pwd

    assert audit.cli_actor() == f"cli:{pwd.getpwuid(os.getuid()).pw_name}"
