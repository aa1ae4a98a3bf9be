"""The Snowflake DDL of infra/snowflake/ as statements: read, classified, applied in order.

The SQL is static text in the repository (identifiers cannot be bound parameters, and nothing is built by
string formatting here). Pure apart from :func:`apply`, which runs on a connection it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DDL_DIR = Path(__file__).resolve().parents[1] / "infra" / "snowflake"
KINDS = ("database", "schema", "warehouse", "role", "grant")
_KIND = (
    (re.compile(r"CREATE DATABASE IF NOT EXISTS\b"), "database"),
    (re.compile(r"CREATE SCHEMA IF NOT EXISTS\b"), "schema"),
    (re.compile(r"(CREATE WAREHOUSE IF NOT EXISTS|ALTER WAREHOUSE)\b"), "warehouse"),
    (re.compile(r"CREATE ROLE IF NOT EXISTS\b"), "role"),
    (re.compile(r"GRANT\b"), "grant"),
)


class DdlError(ValueError):
    """A DDL file holds a statement that is not one of the idempotent forms this project applies."""


@dataclass(frozen=True)
class Statement:
    """One statement, where it came from and what it creates."""

    file: str
    line: int
    kind: str
    sql: str


def statements(folder: Path = DDL_DIR) -> list[Statement]:
    """Every statement of ``folder/*.sql`` in file order; a non-idempotent form raises naming file and line."""
    found: list[Statement] = []
    for path in sorted(folder.glob("*.sql")):
        buffer: list[str] = []
        start = 0
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.split("--", 1)[0].strip()
            if not line:
                continue
            if not buffer:
                start = number
            buffer.append(line)
            if line.endswith(";"):
                sql = " ".join(buffer).rstrip(";").strip()
                buffer = []
                kind = next((k for pattern, k in _KIND if pattern.match(sql)), None)
                if kind is None:
                    raise DdlError(
                        f"{path.name}:{start}: {sql[:60]!r} is not an idempotent form "
                        "(CREATE ... IF NOT EXISTS, ALTER WAREHOUSE ... SET, GRANT)"
                    )
                found.append(Statement(path.name, start, kind, sql))
        if buffer:
            raise DdlError(f"{path.name}:{start}: the last statement has no closing ';'")
    return found


def apply(connection: Any, selected: Iterable[Statement]) -> int:
    """Execute ``selected`` in order on a DB-API connection; returns how many ran. A failure names the file
    and line of the statement (never a credential: none is in the SQL)."""
    count = 0
    cursor = connection.cursor()
    for statement in selected:
        try:
            cursor.execute(statement.sql)
        except Exception as exc:
            raise DdlError(f"{statement.file}:{statement.line}: {statement.kind} statement failed: {exc}") from exc
        count += 1
    return count
