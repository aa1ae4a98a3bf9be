"""Which Snowflake database and schemas an environment's warehouse uses, and which it refuses (no server)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import polars as pl
import pytest

from da_platform.defs.resources import warehouse_resource
from da_platform.env import load_settings
from da_platform.lakehouse.delta_lake import OutsideEnvironmentError
from da_platform.lakehouse.snowflake_warehouse import SnowflakeWarehouse, snowflake_type
from da_platform.lakehouse.warehouse import Warehouse, open_warehouse

PR7 = {"silver": "analytics_qa_pr7_silver", "gold": "analytics_qa_pr7_gold"}


def _never_connects():
    raise AssertionError("nothing may connect while a warehouse is only being described")


def _branch(tmp_path: Path, pr: int = 7):
    return load_settings(
        {
            "DATALIVE_HOME": str(tmp_path),
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": str(pr),
        }
    )


def test_queries_name_layers_and_the_warehouse_maps_them_to_the_environments_schemas() -> None:
    warehouse = SnowflakeWarehouse(_never_connects, "DB_QA", PR7, "qa/pr-7")

    sql = warehouse.physical("SELECT g.oil_sm3 FROM gold.fct_well_daily_production g JOIN silver.quarantine q ON 1=1")

    assert "DB_QA.ANALYTICS_QA_PR7_GOLD.fct_well_daily_production" in sql
    assert "DB_QA.ANALYTICS_QA_PR7_SILVER.quarantine" in sql
    assert "g.oil_sm3" in sql  # an alias is not a layer


def test_a_qa_warehouse_pointed_at_the_prod_database_is_refused() -> None:
    with pytest.raises(OutsideEnvironmentError, match="DB_QA"):
        SnowflakeWarehouse(_never_connects, "DB_PROD", PR7, "qa/pr-7")


def test_a_pull_request_cannot_use_another_pull_requests_schemas() -> None:
    with pytest.raises(OutsideEnvironmentError, match="pull request pr8"):
        SnowflakeWarehouse(_never_connects, "DB_QA", PR7, "qa/pr-8")


def test_only_a_pull_requests_schemas_can_be_dropped() -> None:
    warehouse = SnowflakeWarehouse(_never_connects, "DB_PROD", {"silver": "silver", "gold": "gold"}, "prod")
    with pytest.raises(OutsideEnvironmentError, match="refusing to drop"):
        warehouse.drop_schemas()


def test_dev_publishes_to_duckdb_and_qa_and_prod_to_their_snowflake_database(tmp_path: Path) -> None:
    assert isinstance(open_warehouse(load_settings({"DATALIVE_HOME": str(tmp_path)})), Warehouse)
    qa = open_warehouse(_branch(tmp_path))
    prod = open_warehouse(load_settings({"DATALIVE_HOME": str(tmp_path), "DA_ENV": "prod"}))

    assert isinstance(qa, SnowflakeWarehouse) and isinstance(prod, SnowflakeWarehouse)
    assert (qa.database, qa.schemas) == (
        "DB_QA",
        {"silver": "ANALYTICS_QA_PR7_SILVER", "gold": "ANALYTICS_QA_PR7_GOLD"},
    )
    assert (prod.database, prod.schemas) == ("DB_PROD", {"silver": "SILVER", "gold": "GOLD"})


def test_the_dagster_resource_keeps_credentials_in_env_vars_and_tells_dbt_the_pull_requests_schema(
    tmp_path: Path,
) -> None:
    resource = warehouse_resource(_branch(tmp_path, 12))  # builds with no Snowflake variable set

    assert resource.snowflake_database == "DB_QA" and resource.gold_schema == "analytics_qa_pr12_gold"
    assert type(resource.snowflake_password).__name__ == "EnvVar"  # resolved at run time, never stored
    assert resource.dbt_variables() == {"DATALIVE_SNOWFLAKE_SCHEMA": "analytics_qa_pr12"}


def test_a_missing_snowflake_variable_is_named_when_a_query_runs(tmp_path: Path, monkeypatch) -> None:
    for name in ("DATALIVE_SNOWFLAKE_ACCOUNT", "DATALIVE_SNOWFLAKE_USER", "DATALIVE_SNOWFLAKE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    warehouse = open_warehouse(_branch(tmp_path))  # describing it needs nothing
    with pytest.raises(ValueError, match="DATALIVE_SNOWFLAKE_ACCOUNT, DATALIVE_SNOWFLAKE_USER"):
        warehouse.query("SELECT 1")


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (pl.Date(), "DATE"),
        (pl.Int64(), "NUMBER(38,0)"),
        (pl.Float64(), "FLOAT"),
        (pl.String(), "VARCHAR"),
        (pl.Boolean(), "BOOLEAN"),
        (pl.Datetime("us", "UTC"), "TIMESTAMP_TZ"),
        (pl.Datetime("us"), "TIMESTAMP_NTZ"),
    ],
)
def test_silver_column_types_map_to_snowflake_types(dtype: pl.DataType, expected: str) -> None:
    assert snowflake_type(dtype) == expected


def test_a_window_outside_the_contracted_tables_is_refused_before_connecting() -> None:
    warehouse = SnowflakeWarehouse(lambda: nullcontext(None), "DB_QA", PR7, "qa/pr-7")
    with pytest.raises(ValueError, match="not a silver warehouse table"):
        warehouse.replace_all("gold_sneaked_in", pl.DataFrame())
