"""Silver assets: the register, reported monthly totals, and conformed well-days with quarantine."""

from datetime import timedelta

import dagster as dg
import polars as pl

from da_platform.defs.ingest_assets import BRONZE_MONTHLY, BRONZE_REGISTER, RETRY, deterministic
from da_platform.defs.resources import (
    LakeResource,
    PlatformResource,
    SilverEngineResource,
    WarehouseResource,
    severity,
)
from da_platform.faults import crash_here
from da_platform.ingest.bronze import DAILY_TABLE as BRONZE_DAILY
from da_platform.lakehouse import build_state, silver_schema
from da_platform.lakehouse.cleaning import RegisterInvalid, conform_monthly, conform_register, monthly_rejections
from da_platform.lakehouse.quality import (
    accounted,
    duplicated_keys,
    hours_out_of_range,
    null_counts,
    schema_problems,
    values_out_of_range,
)
from da_platform.lakehouse.silver_engines import DESTINATIONS, ConformedMonths, by_destination

SILVER_REGISTER = "silver/well_register"
SILVER_MONTHLY = "silver/reported_monthly"


@dg.asset(
    key=["silver", "well_register"],
    group_name="silver",
    deps=[["bronze", "well_register"]],
    description="Validated well register: canonical well, field and facility keys over time.",
    kinds={"delta", "duckdb"},
    retry_policy=RETRY,
)
def silver_register(lake: LakeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Validate the register; an invalid register fails loudly instead of conforming against it."""
    store = lake.lake()
    try:
        register = conform_register(store.read(BRONZE_REGISTER))
    except RegisterInvalid as exc:
        raise deterministic(str(exc)) from exc
    store.overwrite(SILVER_REGISTER, register)
    warehouse.warehouse().replace_all("well_register", register)
    return dg.MaterializeResult(metadata={"wells": register["well_id"].n_unique(), "intervals": register.height})


@dg.asset(
    key=["silver", "reported_monthly"],
    group_name="silver",
    deps=[["bronze", "monthly_reports"]],
    description="Reported monthly totals per well-month; the latest landed version wins.",
    kinds={"delta", "duckdb"},
    retry_policy=RETRY,
)
def silver_monthly(
    context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Conform the reported monthly sheet, the reconciliation target of daily data."""
    store = lake.lake()
    if not store.exists(BRONZE_MONTHLY):  # no monthly sheet landed: an empty target, reconciliation warns
        monthly = pl.DataFrame(schema=silver_schema.REPORTED_MONTHLY)
        rejected = pl.DataFrame(schema={"rule_id": pl.String()})
    else:
        bronze = store.read(BRONZE_MONTHLY)
        rejected = monthly_rejections(bronze)
        for row in rejected.head(20).iter_rows(named=True):
            context.log.warning(f"{row['source_file']} row {row['source_row']}: {row['rule_id']}: {row['reason']}")
        monthly = conform_monthly(bronze)
    store.overwrite(SILVER_MONTHLY, monthly)
    warehouse.warehouse().replace_all("reported_monthly", monthly)
    by_rule = dict(rejected.group_by("rule_id").len().sort("rule_id").rows())
    return dg.MaterializeResult(
        metadata={"well_months": monthly.height, "rejected_rows": dg.MetadataValue.json(by_rule)}
    )


def build_silver_daily(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The daily-partitioned conform step (one run can cover a range of days)."""
    prod_key = dg.AssetKey(["silver", "well_day_production"])
    inj_key = dg.AssetKey(["silver", "well_day_injection"])
    qua_key = dg.AssetKey(["silver", "quarantine"])
    deps = [dg.AssetKey(["bronze", "daily_reports"]), dg.AssetKey(["silver", "well_register"])]

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                prod_key,
                group_name="silver",
                deps=deps,
                kinds={"delta", "duckdb"},
                description="One row per producing well-day: canonical keys, volumes, rates per producing day.",
            ),
            dg.AssetSpec(
                inj_key,
                group_name="silver",
                deps=deps,
                kinds={"delta", "duckdb"},
                description="One row per injecting well-day: water injected.",
            ),
            dg.AssetSpec(
                qua_key,
                group_name="silver",
                deps=deps,
                kinds={"delta", "duckdb"},
                description="Rows that broke a cleaning rule or were superseded, with rule id, reason and source row.",
            ),
        ],
        check_specs=[
            dg.AssetCheckSpec("schema_matches_contract", asset=prod_key, blocking=True),
            dg.AssetCheckSpec("well_day_unique", asset=prod_key, blocking=True),
            dg.AssetCheckSpec("keys_not_null", asset=prod_key, blocking=True),
            dg.AssetCheckSpec("on_stream_hours_in_range", asset=prod_key, blocking=True),
            dg.AssetCheckSpec("volumes_not_negative", asset=prod_key, blocking=True),
            dg.AssetCheckSpec("values_in_range", asset=prod_key, blocking=True),
            dg.AssetCheckSpec("injection_values_in_range", asset=inj_key, blocking=True),
            dg.AssetCheckSpec("injection_well_day_unique", asset=inj_key, blocking=True),
            dg.AssetCheckSpec("every_bronze_row_accounted", asset=qua_key, blocking=True),
            dg.AssetCheckSpec("quarantine_ratio", asset=qua_key),
        ],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        retry_policy=RETRY,
        name="silver_well_days",
    )
    def silver_well_days(
        context: dg.AssetExecutionContext,
        lake: LakeResource,
        warehouse: WarehouseResource,
        platform: PlatformResource,
        silver_engine: SilverEngineResource,
    ):
        window = context.partition_time_window
        first, last = window.start.date(), window.end.date() - timedelta(days=1)
        store = lake.lake()
        register = store.read(SILVER_REGISTER, silver_schema.WELL_REGISTER)
        # What this build conforms from, recorded once silver and the warehouse hold it (lakehouse.build_state).
        bronze_version = store.version(BRONZE_DAILY)
        counts = build_state.bronze_rows_by_partition(store, platform.partition_grain, first, last)
        refs = build_state.references(store, register)
        tally = _WindowTally()
        tables = tuple(DESTINATIONS)
        with silver_engine.engine() as engine, warehouse.warehouse().replacing_window(tables, first, last) as wh:
            for part in engine.conform_window(store, register, first, last):
                for table, frame in by_destination(part.result).items():
                    wh.add(table, frame)
                tally.add(part)
                crash_here("in_silver", platform.crash_at)
            engine_name = engine.name
        # The versions first: a run that dies between the two writes leaves the state unrecorded (rebuilt).
        silver_tables = [f"silver/{table}" for table in tables]
        build_state.record_versions(store, context.partition_keys, build_state.current_versions(store, silver_tables))
        build_state.record_build(store, context.partition_keys, counts, refs, bronze_version, context.run_id)
        context.log.info(
            f"{first}..{last} ({engine_name}): {tally.bronze_rows} bronze rows → {tally.rows['production']} "
            f"production, {tally.rows['injection']} injection, {tally.rows['quarantine']} quarantined"
        )
        by_rule = dict(sorted(tally.by_rule.items()))
        yield dg.MaterializeResult(
            asset_key=prod_key,
            metadata={"rows": tally.rows["production"], "first_day": str(first), "last_day": str(last)},
        )
        yield dg.MaterializeResult(asset_key=inj_key, metadata={"rows": tally.rows["injection"]})
        yield dg.MaterializeResult(
            asset_key=qua_key,
            metadata={"rows": tally.rows["quarantine"], "by_rule": dg.MetadataValue.json(by_rule)},
        )
        for name, problems in tally.problems.items():
            yield _check(inj_key if name.startswith("injection_") else prod_key, name, problems)
        yield _check(qua_key, "every_bronze_row_accounted", tally.unaccounted)
        rejected = sum(by_rule.values())
        ratio = rejected / tally.bronze_rows if tally.bronze_rows else 0.0
        yield dg.AssetCheckResult(
            asset_key=qua_key,
            check_name="quarantine_ratio",
            passed=ratio <= platform.max_quarantine_ratio,
            severity=severity(platform),
            metadata={
                "ratio": ratio,
                "threshold": platform.max_quarantine_ratio,
                "rejected_rows": rejected,
                "by_rule": dg.MetadataValue.json(by_rule),
            },
        )

    return silver_well_days


class _WindowTally:
    """The checks and counts of a window, accumulated span by span of whole months (a well-day never spans
    two months)."""

    def __init__(self) -> None:
        self.bronze_rows = 0
        self.rows = {"production": 0, "injection": 0, "quarantine": 0}
        self.by_rule: dict[str, int] = {}
        self.problems: dict[str, list[str]] = {
            name: []
            for name in (
                "schema_matches_contract",
                "well_day_unique",
                "keys_not_null",
                "on_stream_hours_in_range",
                "volumes_not_negative",
                "values_in_range",
                "injection_well_day_unique",
                "injection_values_in_range",
            )
        }
        self.unaccounted: list[str] = []

    def add(self, part: ConformedMonths) -> None:
        prod, result = part.result.production, part.result
        self.bronze_rows += part.bronze_rows
        self.rows["production"] += prod.height
        self.rows["injection"] += result.injection.height
        self.rows["quarantine"] += result.quarantine.height
        rejected = result.quarantine.filter(pl.col("disposition") == "rejected")
        for rule, count in rejected.group_by("rule_id").len().rows():
            self.by_rule[rule] = self.by_rule.get(rule, 0) + count
        negative = [
            f"{c}: {n} negative" for c in ("oil_sm3", "gas_sm3", "water_sm3") if (n := int((prod[c] < 0).sum()))
        ]
        found = {
            "schema_matches_contract": schema_problems(prod, silver_schema.WELL_DAY_PRODUCTION),
            "well_day_unique": duplicated_keys(prod, ["well_id", "production_date"]),
            "keys_not_null": null_counts(prod, ["production_date", "well_id", "field_id", "facility_id", "day_hours"]),
            "on_stream_hours_in_range": hours_out_of_range(prod),
            "volumes_not_negative": negative,
            "values_in_range": values_out_of_range(prod),
            "injection_well_day_unique": duplicated_keys(result.injection, ["well_id", "production_date"]),
            "injection_values_in_range": values_out_of_range(result.injection),
        }
        for name, problems in found.items():
            self.problems[name].extend(f"{part.label}: {p}" for p in problems)
        self.unaccounted.extend(f"{part.label}: {p}" for p in accounted(part.bronze_rows, result))


def _check(key: dg.AssetKey, name: str, problems: list[str]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=name,
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems[:50]) or "none"),
            "count": len(problems),
        },
    )
