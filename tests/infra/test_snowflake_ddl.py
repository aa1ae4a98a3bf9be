"""infra/snowflake/: DB_DEV/DB_QA/DB_PROD, warehouses, roles and grants, applied idempotently by
scripts/apply_snowflake_ddl.py. fakesnow's server runs databases and schemas; it has no warehouses, roles or
grants, so those statements are checked as text (sizes, auto-suspend, read-only analysts, no cross-environment
grant)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from da_platform.env import ENVIRONMENTS, load_settings
from da_platform.snowflake_ddl import DdlError, statements
from scripts.apply_snowflake_ddl import main as apply_ddl
from tests.integration.snowflake_server import connect, snowflake_server

pytestmark = pytest.mark.infra

DATABASES = {env: load_settings({"DA_ENV": env}, cwd=Path("/")).snowflake_database for env in ENVIRONMENTS}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with snowflake_server(tmp_path_factory.mktemp("fakesnow"), databases=()) as environ:
        yield environ


def _apply(server: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    for name, value in server.items():
        monkeypatch.setenv(name, value)
    assert apply_ddl(["--only", "database,schema"]) == 0
    return capsys.readouterr().out


def test_applying_twice_creates_each_environments_database_and_schemas_once(
    server: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _apply(server, monkeypatch, capsys)
    second = _apply(server, monkeypatch, capsys)
    assert "applied 7 statements" in first and "applied 7 statements" in second
    assert "NOT applied: grant, role, warehouse" in first  # said, never silent
    with connect(server) as con:
        names = [row[1] for row in con.cursor().execute("SHOW DATABASES").fetchall()]
        assert sorted(n for n in names if n.startswith("DB_")) == sorted(DATABASES.values())
        for env in ("dev", "prod"):
            query = f"SELECT schema_name FROM {DATABASES[env]}.information_schema.schemata"  # a constant of env.py
            schemas = {row[0] for row in con.cursor().execute(query).fetchall()}
            assert {"SILVER", "GOLD"} <= schemas, env
    assert server["DATALIVE_SNOWFLAKE_PASSWORD"] not in first + second


def test_every_statement_is_an_idempotent_form() -> None:
    found = statements()
    assert {s.kind for s in found} == {"database", "schema", "warehouse", "role", "grant"}
    assert all(not s.sql.upper().startswith(("DROP", "CREATE OR REPLACE")) for s in found)


def test_a_statement_that_is_not_idempotent_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "01_bad.sql").write_text("-- comment\nCREATE DATABASE DB_DEV;\n")
    with pytest.raises(DdlError, match=r"01_bad.sql:2: .*not an idempotent form"):
        statements(tmp_path)


def test_each_environment_has_its_warehouse_size_and_auto_suspend() -> None:
    sizes = {}
    for s in statements():
        if m := re.fullmatch(r"ALTER WAREHOUSE WH_(\w+) SET WAREHOUSE_SIZE = '(\w+)' AUTO_SUSPEND = (\d+)", s.sql):
            sizes[m[1].lower()] = (m[2], int(m[3]))
    assert sizes == {"dev": ("XSMALL", 60), "qa": ("SMALL", 60), "prod": ("MEDIUM", 300)}


def test_analysts_of_dev_and_qa_only_read_and_no_role_reaches_another_environment() -> None:
    grants = [s.sql for s in statements() if s.kind == "grant" and " ON " in s.sql]
    for env in ENVIRONMENTS:
        own = DATABASES[env]
        for sql in grants:
            role = sql.rsplit("TO ROLE ", 1)[1]
            if f"DATALIVE_{env.upper()}_" in role:
                others = [db for db in DATABASES.values() if db != own and re.search(rf"\b{db}\b", sql)]
                assert not others and (own in sql or f"WH_{env.upper()}" in sql), sql
    for env in ("dev", "qa"):
        analyst = [g for g in grants if g.endswith(f"DATALIVE_{env.upper()}_ANALYST")]
        assert analyst and all(re.match(r"GRANT (USAGE|SELECT) ON ", g) for g in analyst), env
        assert any("SELECT ON FUTURE TABLES" in g for g in analyst)
