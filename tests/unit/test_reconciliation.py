"""Reconciling summed daily oil with the operator's reported monthly sheet, on real Volve well-months."""

from __future__ import annotations

import polars as pl
import pytest

from da_platform.gold.reconciliation import TOLERANCE_SM3, Reconciliation, reconcile
from da_platform.lakehouse.cleaning import SilverResult

# 15/9-F-12 in April 2008: its 2008-04-23 report (source row 1984, 2,735.53 Sm3 oil) is quarantined for
# negative water, so the daily sum is short of the reported month by exactly that volume.
F12, APRIL_2008 = "15/9-F-12", (2008, 4)
F1C, APRIL_2014 = "15/9-F-1 C", (2014, 4)


def monthly(silver: SilverResult, reported: pl.DataFrame) -> pl.DataFrame:
    """Daily oil summed per well-month beside the reported oil, as the gold model provides it."""
    daily = silver.production.group_by(
        "well_id",
        year=pl.col("production_date").dt.year().cast(pl.Int32),
        month=pl.col("production_date").dt.month().cast(pl.Int32),
    ).agg(daily_oil_sm3=pl.col("oil_sm3").sum())
    return reported.select("well_id", "year", "month", reported_oil_sm3="oil_sm3").join(
        daily, on=["well_id", "year", "month"], how="full", coalesce=True
    )


def rejected(silver: SilverResult, register: pl.DataFrame) -> pl.DataFrame:
    """Rejected quarantine rows with their well, as the reconciliation check reads them."""
    wells = register.select("wellbore_code", "well_id").unique()
    return silver.quarantine.filter(pl.col("disposition") == "rejected").join(wells, on="wellbore_code")


def rejected_none() -> pl.DataFrame:
    """No quarantined rows at all."""
    return pl.DataFrame(
        schema={
            "well_id": pl.String(),
            "production_date": pl.Date(),
            "oil_sm3": pl.Float64(),
            "source_file": pl.String(),
            "source_row": pl.Int64(),
            "rule_id": pl.String(),
        }
    )


def outcome(result: Reconciliation, well: str, year_month: tuple[int, int]) -> dict:
    year, month = year_month
    return result.rows.filter(pl.col("well_id") == well, pl.col("year") == year, pl.col("month") == month).row(
        0, named=True
    )


@pytest.fixture(scope="module")
def volve_monthly(volve_silver: SilverResult, volve_reported_monthly: pl.DataFrame) -> pl.DataFrame:
    return monthly(volve_silver, volve_reported_monthly)


def test_well_month_within_tolerance_is_matched(volve_monthly: pl.DataFrame) -> None:
    result = reconcile(volve_monthly, rejected_none(), "oil")

    matched = outcome(result, F1C, APRIL_2014)
    assert matched["status"] == "matched"
    assert matched["reported_oil_sm3"] == 11142.47
    assert abs(matched["difference_sm3"]) <= TOLERANCE_SM3
    assert matched["quarantined_rows"] is None


def test_difference_just_beyond_the_tolerance_is_not_matched(volve_monthly: pl.DataFrame) -> None:
    off = volve_monthly.with_columns(
        pl.when((pl.col("well_id") == F1C) & (pl.col("year") == 2014) & (pl.col("month") == 4))
        .then(pl.col("reported_oil_sm3") + 0.06)
        .otherwise(pl.col("reported_oil_sm3"))
        .alias("reported_oil_sm3")
    )

    assert outcome(reconcile(off, rejected_none(), "oil"), F1C, APRIL_2014)["status"] == "unexplained"


def test_gap_closed_by_quarantined_rows_is_explained_and_names_them(
    volve_monthly: pl.DataFrame, volve_silver: SilverResult, volve_register: pl.DataFrame
) -> None:
    result = reconcile(volve_monthly, rejected(volve_silver, volve_register), "oil")

    explained = outcome(result, F12, APRIL_2008)
    assert explained["status"] == "explained"
    assert explained["difference_sm3"] == pytest.approx(-2735.53)
    assert explained["quarantined_sm3"] == 2735.53
    assert explained["quarantined_rows"] == "volve_daily_production.csv row 1984 (VOLUME_NEGATIVE)"


def test_volve_reconciles_with_only_the_four_quarantined_months_explained(
    volve_monthly: pl.DataFrame, volve_silver: SilverResult, volve_register: pl.DataFrame
) -> None:
    result = reconcile(volve_monthly, rejected(volve_silver, volve_register), "oil")

    assert result.unexplained.height == 0
    assert result.counts()["explained"] == 4
    assert result.counts()["matched"] > 300


def test_gap_that_nothing_closes_is_unexplained(volve_monthly: pl.DataFrame) -> None:
    result = reconcile(volve_monthly, rejected_none(), "oil")

    unexplained = outcome(result, F12, APRIL_2008)
    assert unexplained["status"] == "unexplained"
    assert result.unexplained.select("well_id", "year", "month").rows() == [
        (F12, 2008, 4),
        (F12, 2012, 8),
        ("15/9-F-14", 2009, 3),
        ("15/9-F-14", 2012, 8),
    ]


def test_quarantined_rows_of_another_month_do_not_explain_a_gap(
    volve_monthly: pl.DataFrame, volve_silver: SilverResult, volve_register: pl.DataFrame
) -> None:
    elsewhere = rejected(volve_silver, volve_register).filter(pl.col("source_row") != 1984)

    result = reconcile(volve_monthly, elsewhere, "oil")

    assert outcome(result, F12, APRIL_2008)["status"] == "unexplained"
    assert outcome(result, F12, (2012, 8))["status"] == "explained"


def test_a_well_month_with_daily_data_but_no_reported_row_is_counted_not_failed() -> None:
    monthly = pl.DataFrame(
        {"well_id": ["A"], "year": [2015], "month": [3], "daily_oil_sm3": [120.0], "reported_oil_sm3": [None]},
        schema_overrides={"reported_oil_sm3": pl.Float64},
    )
    quarantined = pl.DataFrame(
        schema={
            "well_id": pl.String,
            "production_date": pl.Date,
            "oil_sm3": pl.Float64,
            "source_file": pl.String,
            "source_row": pl.Int64,
            "rule_id": pl.String,
        }
    )
    result = reconcile(monthly, quarantined)
    assert result.rows["status"].to_list() == ["not_reported"]
    assert result.unexplained.height == 0
