"""Gold on Snowflake: a qa branch deployment publishes silver and builds gold with dbt-snowflake, and gets the
gold the embedded DuckDB default gets.

The Snowflake side is fakesnow's HTTP server (Snowflake SQL on DuckDB) reached exactly as Snowflake is: the
connector through Dagster's ``SnowflakeResource`` for silver and the checks, dbt-snowflake for gold, all
configured by ``DATALIVE_SNOWFLAKE_*`` variables. The slice (Volve, Aug–Sep 2016) holds injection days with
unknown on-stream hours, where DuckDB's and Snowflake's ``least`` once disagreed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from da_platform.cli import main
from da_platform.env import SNOWFLAKE_SECRETS, load_settings
from da_platform.lakehouse.warehouse import open_warehouse
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import gold_table, make_landing
from tests.integration.snowflake_server import connect, snowflake_server

pytestmark = pytest.mark.integration

MARTS = (
    "dim_well",
    "fct_well_daily_production",
    "fct_well_daily_injection",
    "fct_field_daily_production",
    "fct_facility_daily_production",
    "fct_well_monthly_production",
    "fct_field_monthly_production",
)
BRANCH = {"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1", "DAGSTER_CLOUD_PULL_REQUEST_ID": "7"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_landing(tmp_path_factory.mktemp("landing"), "2016-08-01", "2016-09-30")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, landing: Path, dbt_manifest: Path) -> Path:
    home = tmp_path_factory.mktemp("embedded") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("DATALIVE_HOME", str(home))
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
    return home


@pytest.fixture(scope="module")
def snowflake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with snowflake_server(tmp_path_factory.mktemp("fakesnow")) as environ:
        yield environ


@pytest.fixture(scope="module")
def branch(tmp_path_factory: pytest.TempPathFactory, snowflake: dict[str, str], landing: Path, dbt_manifest: Path):
    """PR 7's branch deployment, run once against the Snowflake stand-in; its variables stay set for the tests."""
    home = tmp_path_factory.mktemp("branch") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        for name, value in {**snowflake, **BRANCH, "DATALIVE_HOME": str(home)}.items():
            mp.setenv(name, value)
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
        yield load_settings()


def _snowflake_gold(settings, table: str) -> pl.DataFrame:
    return open_warehouse(settings).query(f"SELECT * FROM gold.{table}")


def test_a_branch_deployment_builds_the_same_gold_on_snowflake_as_the_embedded_default(branch, embedded) -> None:
    for table in MARTS:
        expected = gold_table(embedded, f"gold.{table}")
        actual = _snowflake_gold(branch, table)
        key = [
            c for c in ("well_id", "field_id", "facility_id", "production_date", "month_start") if c in expected.columns
        ]
        assert actual.columns == expected.columns, table
        assert actual.height == expected.height > 0, table
        # Same values; integer widths and float summation order may differ between the two engines.
        assert_frame_equal(actual.sort(key), expected.sort(key), check_dtypes=False, rel_tol=1e-9), table


def test_unknown_on_stream_hours_give_unknown_uptime_on_both_engines(branch, embedded) -> None:
    for frame in (
        _snowflake_gold(branch, "fct_well_daily_injection"),
        gold_table(embedded, "gold.fct_well_daily_injection"),
    ):
        unknown = frame.filter(pl.col("on_stream_hrs").is_null())
        assert unknown.height > 0 and unknown["uptime"].null_count() == unknown.height


def test_silver_and_gold_live_only_in_the_pull_requests_own_schemas(branch, snowflake: dict[str, str]) -> None:
    schemas = set()
    with connect(snowflake) as con:
        for database in ("DB_DEV", "DB_QA", "DB_PROD"):
            sql = (
                f"SELECT DISTINCT table_schema FROM {database}.information_schema.tables "
                "WHERE table_schema NOT IN ('INFORMATION_SCHEMA', 'MAIN')"
            )
            schemas |= {(database, schema.upper()) for (schema,) in con.cursor().execute(sql).fetchall()}
    assert schemas == {("DB_QA", "ANALYTICS_QA_PR7_SILVER"), ("DB_QA", "ANALYTICS_QA_PR7_GOLD")}


def test_the_reconciliation_check_reads_snowflake_and_passes(branch, capsys) -> None:
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(branch.home))
        assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    check = [c for c in status["checks"] if c["name"] == "monthly_oil_reconciles_with_reported"]
    assert check and check[0]["passed"] is True
    assert status["layers"]["gold"]["rows"] == status["layers"]["silver"]["tables"]["well_day_production"] > 0


def test_doctor_reaches_snowflake_and_counts_the_pull_requests_gold_tables(branch) -> None:
    from da_platform.doctor import run_checks

    present = dict.fromkeys(SNOWFLAKE_SECRETS, True)
    check = {c.name: c for c in run_checks(branch, present)}["warehouse (Snowflake)"]
    assert check.ok, check.detail
    # Tables, not views: the 6 incremental facts, dim_well, the calendar and the per-month well totals.
    assert "Snowflake answers, 9 gold tables in DB_QA.ANALYTICS_QA_PR7_GOLD" in check.detail


def test_closing_the_pull_request_drops_its_snowflake_schemas(branch, snowflake: dict[str, str]) -> None:
    from da_platform.cleanup import drop_branch

    plan = drop_branch(branch)

    assert plan.snowflake and "Snowflake schemas of PR 7" in plan.describe()
    with connect(snowflake) as con:
        sql = "SELECT schema_name FROM DB_QA.information_schema.schemata WHERE schema_name LIKE 'ANALYTICS_QA_PR7%'"
        left = con.cursor().execute(sql).fetchall()
    assert left == []
