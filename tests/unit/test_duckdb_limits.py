"""The embedded warehouse's DuckDB limits: decided once from the machine (or the environment), and applied to
every connection, dbt's included (through its run-start hook, tests/test_dbt_launch.py)."""

from __future__ import annotations

import json
import os
from argparse import Namespace
from pathlib import Path

import duckdb
import pytest

from da_platform.defs.resources import warehouse_resource
from da_platform.env import DUCKDB_MEMORY_SHARE, SettingsError, load_settings
from da_platform.lakehouse.warehouse import Warehouse

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def _dev(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"DATALIVE_HOME": str(tmp_path), "DA_ENV": "dev", **extra}


def test_memory_limit_defaults_to_a_share_of_the_machine(tmp_path: Path) -> None:
    settings = load_settings(_dev(tmp_path), cwd=tmp_path)
    total_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert settings.duckdb_settings == {
        "memory_limit": f"{total_mib * DUCKDB_MEMORY_SHARE:.0f}MiB",
        "threads": len(os.sched_getaffinity(0)),
    }


def test_the_environment_overrides_memory_limit_and_threads(tmp_path: Path) -> None:
    environ = _dev(tmp_path, DATALIVE_DUCKDB_MEMORY_LIMIT="3GiB", DATALIVE_DUCKDB_THREADS="1")
    assert load_settings(environ, cwd=tmp_path).duckdb_settings == {"memory_limit": "3GiB", "threads": 1}


@pytest.mark.parametrize("value", ["lots", "80%", "3", "-1GiB"])
def test_a_memory_limit_duckdb_cannot_read_is_refused_by_name(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match="DATALIVE_DUCKDB_MEMORY_LIMIT"):
        load_settings(_dev(tmp_path, DATALIVE_DUCKDB_MEMORY_LIMIT=value), cwd=tmp_path)


def test_warehouse_connections_open_with_the_limits(tmp_path: Path) -> None:
    environ = _dev(tmp_path, DATALIVE_DUCKDB_MEMORY_LIMIT="1500MiB", DATALIVE_DUCKDB_THREADS="1")
    warehouse = warehouse_resource(load_settings(environ, cwd=tmp_path)).warehouse()
    assert isinstance(warehouse, Warehouse)
    with warehouse.connect() as con:
        limit, threads = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    assert (limit, threads) == ("1.4 GiB", 1)  # DuckDB prints 1500 MiB as 1.4 GiB


def test_a_plain_connection_beside_the_warehouses_shares_its_limits(tmp_path: Path) -> None:
    # (the evaluation and the drill open the file with duckdb.connect directly, in the same process)
    environ = _dev(tmp_path, DATALIVE_DUCKDB_MEMORY_LIMIT="1GiB", DATALIVE_DUCKDB_THREADS="1")
    warehouse = warehouse_resource(load_settings(environ, cwd=tmp_path)).warehouse()
    with warehouse.connect() as con, duckdb.connect(str(warehouse.path)) as plain:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        assert plain.execute("SELECT x, current_setting('memory_limit') FROM t").fetchone() == (1, "1.0 GiB")


def _rendered_dev_profile(variables: dict[str, str], monkeypatch) -> tuple:
    """The dev target's connection info, as dbt renders profiles.yml with ``variables`` set: what dbt keys
    its partial-parse state on (``ManifestLoader.build_manifest_state_check``)."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    set_from_args(Namespace(), None)
    set_invocation_context(os.environ)
    profile = Profile.from_raw_profiles(
        read_profile(str(DBT_PROJECT)), "datalive", ProfileRenderer({}), target_override="dev"
    )
    return tuple(sorted(profile.credentials.connection_info()))


def test_dbt_variables_carry_the_limits_for_the_run_start_hook(tmp_path: Path) -> None:
    environ = _dev(tmp_path, DATALIVE_DUCKDB_MEMORY_LIMIT="2GiB", DATALIVE_DUCKDB_THREADS="1")
    variables = warehouse_resource(load_settings(environ, cwd=tmp_path)).dbt_variables()
    assert json.loads(variables["DATALIVE_DUCKDB_SETTINGS"]) == {"memory_limit": "2GiB", "threads": 1}


def test_every_dev_environment_renders_the_same_dbt_profile_as_make_setup(tmp_path: Path, monkeypatch) -> None:
    from da_platform.defs.gold.assets import dbt_resource
    from da_platform.gold.dbt_launch import WORKDIR

    rendered, folders = [], []
    for name, limit in (("a", "2GiB"), ("b", "3GiB")):
        settings = load_settings(_dev(tmp_path / name, DATALIVE_DUCKDB_MEMORY_LIMIT=limit), cwd=tmp_path)
        variables = dbt_resource(settings).profile_variables(warehouse_resource(settings).dbt_variables())
        folders.append(variables[WORKDIR])
        rendered.append(_rendered_dev_profile(variables, monkeypatch))
    for name in ("DATALIVE_DUCKDB_PATH", "DATALIVE_DUCKDB_SETTINGS", WORKDIR):
        monkeypatch.delenv(name)
    assert rendered[0] == rendered[1] == _rendered_dev_profile({}, monkeypatch)  # `make setup`'s dbt parse
    assert folders == [str((tmp_path / name / "dev" / "warehouse").resolve()) for name in ("a", "b")]
