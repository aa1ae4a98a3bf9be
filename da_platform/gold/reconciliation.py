"""Reconcile gold monthly volumes with the operator's reported monthly sheet.

A well-month reconciles when the summed daily volume equals the reported one within ``TOLERANCE_SM3``
(absolute, Sm3; the sheet is rounded to 0.01) or ``RELATIVE_TOLERANCE`` of the reported value,
whichever is larger. A difference outside it is *explained* when the volume of rows quarantined for
that well-month closes the gap within the same tolerance; the explanation names those rows. Months for
which no daily report of any well has been loaded yet are ``not_loaded``: nothing to compare, not a
failure. A well missing from a month that other wells reported daily *is* compared, and fails.
Well-months with daily data but no reported row are ``not_reported``: counted, not failed, since the
sheet, not the daily data, is what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

TOLERANCE_SM3 = 0.05
RELATIVE_TOLERANCE = 1e-6


@dataclass
class Reconciliation:
    """Per well-month outcome: ``matched``, ``explained``, ``unexplained``, ``not_loaded`` or ``not_reported``."""

    rows: pl.DataFrame

    @property
    def unexplained(self) -> pl.DataFrame:
        """Well-months whose difference nothing accounts for: the check fails on these."""
        return self.rows.filter(pl.col("status") == "unexplained")

    def counts(self) -> dict[str, int]:
        """How many well-months ended in each status."""
        return dict(self.rows.group_by("status").len().sort("status").rows())


def reconcile(monthly: pl.DataFrame, quarantined: pl.DataFrame, product: str = "oil") -> Reconciliation:
    """Compare ``daily_<product>_sm3`` with ``reported_<product>_sm3`` per (well_id, year, month).

    ``monthly`` has one row per well-month with both columns (null where a side has no data);
    ``quarantined`` holds rejected rows with well_id, production_date, ``<product>_sm3``,
    source_file, source_row and rule_id.
    """
    daily_col, reported_col, volume = f"daily_{product}_sm3", f"reported_{product}_sm3", f"{product}_sm3"
    explained_by = (
        quarantined.filter(pl.col(volume).is_not_null())
        .with_columns(year=pl.col("production_date").dt.year(), month=pl.col("production_date").dt.month())
        .group_by("well_id", "year", "month")
        .agg(
            quarantined_sm3=pl.col(volume).sum(),
            quarantined_rows=pl.format("{} row {} ({})", "source_file", "source_row", "rule_id").str.join("; "),
        )
    )
    loaded_months = (
        monthly.filter(pl.col(daily_col).is_not_null())
        .select("year", "month")
        .unique()
        .with_columns(pl.col("year").cast(pl.Int32), pl.col("month").cast(pl.Int32), _loaded=pl.lit(True))
    )
    rows = (
        monthly.filter(pl.col(reported_col).is_not_null() | pl.col(daily_col).is_not_null())
        .with_columns(pl.col("year").cast(pl.Int32), pl.col("month").cast(pl.Int32))
        .join(
            explained_by.with_columns(pl.col("year").cast(pl.Int32), pl.col("month").cast(pl.Int32)),
            on=["well_id", "year", "month"],
            how="left",
        )
        .join(loaded_months, on=["year", "month"], how="left")
        .with_columns(
            difference_sm3=pl.col(daily_col).fill_null(0.0) - pl.col(reported_col),
            tolerance_sm3=pl.max_horizontal(pl.lit(TOLERANCE_SM3), pl.col(reported_col).abs() * RELATIVE_TOLERANCE),
        )
        .with_columns(
            status=pl.when(pl.col("_loaded").is_null())
            .then(pl.lit("not_loaded"))
            .when(pl.col(reported_col).is_null())
            .then(pl.lit("not_reported"))
            .when(pl.col("difference_sm3").abs() <= pl.col("tolerance_sm3"))
            .then(pl.lit("matched"))
            .when(
                (pl.col("difference_sm3") + pl.col("quarantined_sm3").fill_null(0.0)).abs() <= pl.col("tolerance_sm3")
            )
            .then(pl.lit("explained"))
            .otherwise(pl.lit("unexplained"))
        )
        .select(
            "well_id",
            "year",
            "month",
            daily_col,
            reported_col,
            "difference_sm3",
            "tolerance_sm3",
            "status",
            "quarantined_sm3",
            "quarantined_rows",
        )
        .sort("well_id", "year", "month")
    )
    return Reconciliation(rows)
