"""The blocking reconciliation check: gold monthly volumes against the reported monthly sheet."""

import dagster as dg
import polars as pl

from da_platform import catalog
from da_platform.defs.policy import asset_key
from da_platform.defs.resources import WarehouseResource
from da_platform.gold.reconciliation import TOLERANCE_SM3, reconcile
from da_platform.lakehouse.cleaning import normalise_wellbore

NO_MONTHLY_TOTALS = "no reported monthly totals landed"
MONTHLY_MODEL = asset_key(catalog.GOLD_WELL_MONTHLY)


def build_reconciliation_check() -> dg.AssetChecksDefinition:
    """Summed daily oil per well-month must equal the reported sheet, or be explained by quarantined rows."""

    @dg.asset_check(
        asset=MONTHLY_MODEL,
        name="monthly_oil_reconciles_with_reported",
        blocking=True,
        description=f"Daily oil summed per well-month equals the reported monthly sheet within {TOLERANCE_SM3} Sm3, "
        "or the difference is fully explained by named quarantined rows.",
    )
    def monthly_oil_reconciles_with_reported(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        wh = warehouse.warehouse()
        if wh.query("SELECT count(*) AS n FROM silver.reported_monthly")["n"].item() == 0:
            # The monthly sheet is optional; without one there is nothing to reconcile against: a warning.
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=NO_MONTHLY_TOTALS,
                metadata={"status": NO_MONTHLY_TOTALS},
            )
        monthly = wh.query(
            "SELECT well_id, year, month, oil_sm3 AS daily_oil_sm3, reported_oil_sm3 "
            "FROM gold.fct_well_monthly_production"
        )
        register = wh.query("SELECT DISTINCT wellbore_code, well_id FROM silver.well_register")
        quarantined = (
            wh.query(
                "SELECT production_date, wellbore_code, oil_sm3, source_file, source_row, rule_id "
                "FROM silver.quarantine WHERE disposition = 'rejected'"
            )
            .with_columns(wellbore_code=normalise_wellbore(pl.col("wellbore_code")))
            .join(register, on="wellbore_code", how="inner")
        )
        result = reconcile(monthly, quarantined, "oil")
        problems = result.rows.filter(pl.col("status").is_in(["explained", "unexplained"]))
        return dg.AssetCheckResult(
            passed=result.unexplained.height == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "well_months": result.rows.height,
                "matched": result.counts().get("matched", 0),
                "explained": result.counts().get("explained", 0),
                "unexplained": result.unexplained.height,
                "not_loaded": result.counts().get("not_loaded", 0),
                "not_reported": result.counts().get("not_reported", 0),
                "tolerance_sm3": TOLERANCE_SM3,
                "differences": dg.MetadataValue.md(
                    "\n".join(
                        f"- {r['well_id']} {r['year']}-{r['month']:02d}: {r['difference_sm3']:+.2f} Sm3 "
                        f"({r['status']}{': ' + r['quarantined_rows'] if r['quarantined_rows'] else ''})"
                        for r in problems.head(100).iter_rows(named=True)
                    )
                    or "none"
                ),
            },
        )

    return monthly_oil_reconciles_with_reported
