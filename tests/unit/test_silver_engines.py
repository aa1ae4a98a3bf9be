"""The Spark path's contract, checked without Spark: one rule implementation, grouped by month."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest

from da_platform.env import SettingsError, load_settings
from da_platform.lakehouse.cleaning import SilverResult
from da_platform.lakehouse.silver_engines import DESTINATIONS, conform_month, staged_columns


def _by_month(bronze: pl.DataFrame, register: pl.DataFrame) -> dict[str, pl.DataFrame]:
    months = bronze.with_columns(_month=pl.col("production_date").dt.truncate("1mo")).partition_by("_month")
    staged = pl.concat([pl.from_arrow(conform_month(m.to_arrow(), register)) for m in months])  # type: ignore[list-item]
    return {t: staged.filter(pl.col("_destination") == t).select(list(c)) for t, c in DESTINATIONS.items()}


def test_conforming_month_by_month_gives_the_rows_of_one_whole_window(
    volve_bronze: pl.DataFrame, volve_register: pl.DataFrame, volve_silver: SilverResult
) -> None:
    dated = volve_bronze.filter(pl.col("production_date").is_not_null())
    assert dated.height == volve_bronze.height  # the Volve file has no undated rows to set aside
    by_month = _by_month(dated, volve_register)
    whole = {
        "well_day_production": volve_silver.production,
        "well_day_injection": volve_silver.injection,
        "quarantine": volve_silver.quarantine,
    }
    for table, expected in whole.items():
        actual = by_month[table]
        assert actual.sort(actual.columns, nulls_last=True).equals(expected.sort(expected.columns, nulls_last=True))


def test_a_superseded_report_is_judged_within_its_month(
    volve_bronze: pl.DataFrame, volve_register: pl.DataFrame
) -> None:
    day = volve_bronze.filter(pl.col("production_date") == pl.date(2014, 5, 13)).head(1)
    later = day.with_columns(source_row=pl.lit(999_999, dtype=pl.Int64), water_sm3=pl.lit(7.0))
    staged = _by_month(pl.concat([day, later]), volve_register)

    assert staged["quarantine"]["rule_id"].to_list() == ["DUPLICATE_SUPERSEDED"]
    assert staged["well_day_production"]["water_sm3"].to_list() == [7.0]


def test_the_month_udf_returns_exactly_the_arrow_types_spark_expects(
    volve_bronze: pl.DataFrame, volve_register: pl.DataFrame
) -> None:
    out = conform_month(volve_bronze.head(50).to_arrow(), volve_register)

    assert out.schema.names == list(staged_columns())
    assert pa.large_string() not in out.schema.types  # Spark rejects large_string where the DDL says string
    assert out.num_rows == 50


def test_spark_remote_accepts_local_and_spark_connect_urls_only() -> None:
    assert load_settings({"DATALIVE_SPARK_REMOTE": "local"}).spark_remote == "local"
    assert load_settings({}).spark_remote is None
    with pytest.raises(SettingsError) as error:
        load_settings({"DATALIVE_SPARK_REMOTE": "https://host/;token=s3cr3t"})
    assert "s3cr3t" not in str(error.value)


def test_the_spark_connect_url_stays_out_of_settings_repr_and_resource_config() -> None:
    from da_platform.defs.resources import build_resources

    settings = load_settings({"DATALIVE_SPARK_REMOTE": "sc://spark.example:15002/;token=s3cr3t"})
    engine = build_resources(settings)["silver_engine"]

    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in repr(engine)  # an EnvVar reference, resolved only when a run starts


def test_a_window_is_conformed_in_calendar_months_clipped_to_the_window() -> None:
    from datetime import date

    from da_platform.lakehouse.silver_engines import months_of

    assert months_of(date(2014, 11, 20), date(2015, 2, 3)) == [
        (date(2014, 11, 20), date(2014, 11, 30)),
        (date(2014, 12, 1), date(2014, 12, 31)),
        (date(2015, 1, 1), date(2015, 1, 31)),
        (date(2015, 2, 1), date(2015, 2, 3)),
    ]
    assert months_of(date(2016, 2, 29), date(2016, 2, 29)) == [(date(2016, 2, 29), date(2016, 2, 29))]


def test_consecutive_months_are_joined_up_to_the_row_limit_and_a_large_month_stands_alone() -> None:
    from datetime import date

    from da_platform.lakehouse.silver_engines import months_of, spans_of

    months = months_of(date(2014, 11, 20), date(2015, 3, 31))
    rows = {date(2014, 11, 1): 40, date(2014, 12, 1): 50, date(2015, 1, 1): 300, date(2015, 3, 1): 10}
    assert spans_of(months, rows, 100) == [
        (date(2014, 11, 20), date(2014, 12, 31)),
        (date(2015, 1, 1), date(2015, 1, 31)),
        (date(2015, 2, 1), date(2015, 3, 31)),  # February has no rows
    ]
    assert spans_of(months, rows, 10**9) == [(date(2014, 11, 20), date(2015, 3, 31))]


def test_the_embedded_engine_writes_the_same_silver_whether_months_are_joined_or_not(
    tmp_path, volve_bronze: pl.DataFrame, volve_register: pl.DataFrame
) -> None:
    from datetime import date

    from da_platform.ingest.bronze import DAILY_TABLE
    from da_platform.lakehouse.delta_lake import LocalLake
    from da_platform.lakehouse.silver_engines import EmbeddedSilverEngine

    tables = {}
    for batch_rows in (1, 10**9):  # every month on its own; the whole window at once
        lake = LocalLake(tmp_path / str(batch_rows) / "dev" / "lake", "dev")
        lake.append(DAILY_TABLE, volve_bronze.with_columns(admitted=pl.lit(True)))
        parts = list(
            EmbeddedSilverEngine(batch_rows).conform_window(lake, volve_register, date(2014, 1, 1), date(2014, 12, 31))
        )
        assert len(parts) == (12 if batch_rows == 1 else 1)
        assert (
            sum(p.bronze_rows for p in parts) == volve_bronze.filter(pl.col("production_date").dt.year() == 2014).height
        )
        tables[batch_rows] = {t: lake.read(f"silver/{t}", c) for t, c in DESTINATIONS.items()}
    for table, contract in DESTINATIONS.items():
        one, joined = (tables[b][table].sort(list(contract), nulls_last=True) for b in (1, 10**9))
        assert one.height > 0 or table == "quarantine"
        assert one.equals(joined), table


def test_a_span_names_its_month_or_its_first_and_last_months() -> None:
    from datetime import date

    from da_platform.lakehouse.silver_engines import ConformedMonths

    empty = SilverResult.empty()
    assert ConformedMonths(date(2014, 5, 3), date(2014, 5, 31), 0, empty).label == "2014-05"
    assert ConformedMonths(date(2014, 5, 1), date(2015, 5, 31), 0, empty).label == "2014-05..2015-05"
