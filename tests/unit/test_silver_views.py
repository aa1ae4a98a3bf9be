"""Silver in the warehouse as views over the current Delta snapshot's Parquet files, never the folder."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from deltalake import DeltaTable, TableFeatures, write_deltalake

from da_platform.lakehouse.cleaning import SilverResult
from da_platform.lakehouse.delta_lake import LocalLake, NotPlainParquet
from da_platform.lakehouse.silver_schema import WELL_DAY_PRODUCTION
from da_platform.lakehouse.warehouse import Warehouse

TABLE = "silver/well_day_production"
JANUARY = "production_date >= '2014-01-01' AND production_date <= '2014-01-31'"


def month(silver: SilverResult, year: int, number: int) -> pl.DataFrame:
    """Real conformed Volve production well-days of one month."""
    first = date(year, number, 1)
    return silver.production.filter(pl.col("production_date").dt.month_start() == first)


def warehouse_beside(lake: LocalLake) -> Warehouse:
    return Warehouse(lake.root.parent / "warehouse" / "datalive_dev.duckdb", "dev")


def publish(warehouse: Warehouse, lake: LocalLake) -> dict[str, int]:
    return warehouse.publish_lake_views(["well_day_production"], lambda t: lake.data_files(f"silver/{t}"))


def test_data_files_are_the_current_version_only(lake: LocalLake, volve_silver: SilverResult) -> None:
    january = month(volve_silver, 2014, 1)
    lake.append(TABLE, january)
    lake.append(TABLE, month(volve_silver, 2014, 2))
    lake.replace_where(TABLE, january.with_columns(pl.col("oil_sm3") * 2), JANUARY)

    files = lake.data_files(TABLE)
    on_disk = list(lake.path(TABLE).glob("*.parquet"))

    assert len(on_disk) > len(files)  # the file the replacement removed is still there, for time travel
    listed = pl.read_parquet(files)
    assert listed.height == january.height + month(volve_silver, 2014, 2).height
    assert listed.filter(pl.col("production_date") < date(2014, 2, 1))["oil_sm3"].sum() == pytest.approx(
        2 * january["oil_sm3"].sum()
    )


def test_data_files_refuse_a_partitioned_table(lake: LocalLake, volve_silver: SilverResult) -> None:
    frame = month(volve_silver, 2014, 1)
    write_deltalake(lake.uri(TABLE), frame.to_arrow(), partition_by=["well_id"])

    with pytest.raises(NotPlainParquet, match="well_day_production: partitioned by well_id"):
        lake.data_files(TABLE)


def test_data_files_refuse_deletion_vectors(lake: LocalLake, volve_silver: SilverResult) -> None:
    lake.append(TABLE, month(volve_silver, 2014, 1))
    DeltaTable(lake.uri(TABLE)).alter.add_feature(TableFeatures.DeletionVectors, allow_protocol_versions_increase=True)

    with pytest.raises(NotPlainParquet, match="deletionVectors"):
        lake.data_files(TABLE)


def test_the_view_reads_what_the_delta_table_holds(lake: LocalLake, volve_silver: SilverResult) -> None:
    january = month(volve_silver, 2014, 1)
    lake.append(TABLE, january)
    lake.replace_where(TABLE, january.with_columns(pl.col("oil_sm3") + 1), JANUARY)
    warehouse = warehouse_beside(lake)

    published = publish(warehouse, lake)

    assert published == {"well_day_production": 1}
    in_warehouse = warehouse.query("SELECT * FROM silver.well_day_production ORDER BY well_id, production_date")
    expected = lake.read(TABLE).sort("well_id", "production_date")
    assert in_warehouse.columns == list(WELL_DAY_PRODUCTION)
    assert in_warehouse.equals(expected.select(list(WELL_DAY_PRODUCTION)))


def test_a_file_with_other_types_reads_as_the_contract_says(lake: LocalLake, volve_silver: SilverResult) -> None:
    # Another engine may write hours as float32 and days as timestamps: the view casts to the contract.
    frame = month(volve_silver, 2014, 1).with_columns(
        pl.col("on_stream_hrs").cast(pl.Float32), pl.col("production_date").cast(pl.Datetime("us"))
    )
    lake.append(TABLE, frame)
    warehouse = warehouse_beside(lake)

    publish(warehouse, lake)

    sql = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'well_day_production'"
    types = dict(warehouse.query(sql).rows())
    assert types["on_stream_hrs"] == "DOUBLE"
    assert types["production_date"] == "DATE"


def test_a_table_with_no_files_is_an_empty_view_of_the_contract(lake: LocalLake) -> None:
    warehouse = warehouse_beside(lake)

    warehouse.publish_lake_views(["quarantine"], lambda table: [])

    empty = warehouse.query("SELECT * FROM silver.quarantine")
    assert empty.height == 0
    assert "rule_id" in empty.columns


def test_publishing_replaces_a_copy_left_by_an_earlier_release(lake: LocalLake, volve_silver: SilverResult) -> None:
    january = month(volve_silver, 2014, 1)
    lake.append(TABLE, january)
    warehouse = warehouse_beside(lake)
    warehouse.replace_all("well_day_production", january.head(3))

    publish(warehouse, lake)

    kinds = warehouse.query("SELECT table_type FROM information_schema.tables WHERE table_name = 'well_day_production'")
    assert kinds["table_type"].to_list() == ["VIEW"]
    assert warehouse.query("SELECT count(*) AS n FROM silver.well_day_production")["n"].item() == january.height


def test_a_failure_while_publishing_keeps_the_old_views(lake: LocalLake, volve_silver: SilverResult) -> None:
    lake.append(TABLE, month(volve_silver, 2014, 1))
    warehouse = warehouse_beside(lake)
    publish(warehouse, lake)
    lake.append(TABLE, month(volve_silver, 2014, 2))

    def files_of(table: str) -> list[str]:
        if table == "well_day_injection":
            raise OSError("the lake went away")
        return lake.data_files(f"silver/{table}")

    with pytest.raises(OSError, match="went away"):
        warehouse.publish_lake_views(["well_day_production", "well_day_injection"], files_of)

    rows = warehouse.query("SELECT count(*) AS n FROM silver.well_day_production")["n"].item()
    assert rows == month(volve_silver, 2014, 1).height


def test_a_window_copy_is_refused_over_a_view(lake: LocalLake, volve_silver: SilverResult) -> None:
    lake.append(TABLE, month(volve_silver, 2014, 1))
    warehouse = warehouse_beside(lake)
    publish(warehouse, lake)

    with (
        pytest.raises(ValueError, match="is a view over the lake's files"),
        warehouse.replacing_window(("well_day_production",), date(2014, 1, 1), date(2014, 1, 31)),
    ):
        pass


def test_any_duckdb_client_reads_the_views(lake: LocalLake, volve_silver: SilverResult) -> None:
    lake.append(TABLE, month(volve_silver, 2014, 1))
    warehouse = warehouse_beside(lake)
    publish(warehouse, lake)

    with duckdb.connect(str(warehouse.path), read_only=True) as plain:
        rows = plain.execute("SELECT count(*) FROM silver.well_day_production").fetchone()

    assert rows == (month(volve_silver, 2014, 1).height,)


def test_a_local_lake_is_read_in_place(lake: LocalLake) -> None:
    assert warehouse_beside(lake).reads_lake_files(lake)
