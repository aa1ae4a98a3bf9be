"""Silver assets: the register, reported monthly totals, and conformed well-days with quarantine."""

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg
import polars as pl

from da_platform import catalog
from da_platform.defs.policy import RETRY, asset_key, deterministic
from da_platform.defs.resources import (
    LakeResource,
    PlatformResource,
    SilverEngineResource,
    WarehouseResource,
    severity,
)
from da_platform.faults import crash_here
from da_platform.lakehouse import build_state, silver_schema
from da_platform.lakehouse.cleaning import RegisterInvalid, conform_monthly, conform_register, monthly_rejections
from da_platform.lakehouse.delta_lake import Lake
from da_platform.lakehouse.quality import (
    accounted,
    duplicated_keys,
    hours_out_of_range,
    null_counts,
    schema_problems,
    values_out_of_range,
)
from da_platform.lakehouse.silver_engines import DESTINATIONS, ConformedMonths, by_destination

BRONZE_DAILY = catalog.BRONZE_DAILY.path
BRONZE_MONTHLY = catalog.BRONZE_MONTHLY.path
BRONZE_REGISTER = catalog.BRONZE_REGISTER.path
SILVER_REGISTER = catalog.SILVER_REGISTER.path
SILVER_MONTHLY = catalog.SILVER_MONTHLY.path
PRODUCTION_KEY = asset_key(catalog.SILVER_PRODUCTION)
INJECTION_KEY = asset_key(catalog.SILVER_INJECTION)
QUARANTINE_KEY = asset_key(catalog.SILVER_QUARANTINE)


@dg.asset(
    key=asset_key(catalog.SILVER_REGISTER),
    group_name="silver",
    deps=[asset_key(catalog.BRONZE_REGISTER)],
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
    key=asset_key(catalog.SILVER_MONTHLY),
    group_name="silver",
    deps=[asset_key(catalog.BRONZE_MONTHLY)],
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


_DAILY_DEPS = [asset_key(catalog.BRONZE_DAILY), asset_key(catalog.SILVER_REGISTER)]
_DAILY_SPECS = [
    dg.AssetSpec(key, group_name="silver", deps=_DAILY_DEPS, kinds={"delta", "duckdb"}, description=description)
    for key, description in (
        (PRODUCTION_KEY, "One row per producing well-day: canonical keys, volumes, rates per producing day."),
        (INJECTION_KEY, "One row per injecting well-day: water injected."),
        (
            QUARANTINE_KEY,
            "Rows that broke a cleaning rule or were superseded, with rule id, reason and source row.",
        ),
    )
]
# The quality gates on each window's rows: every one blocks gold except the quarantine ratio, whose
# severity is the environment's (``severity``).
_DAILY_CHECKS = [
    dg.AssetCheckSpec("schema_matches_contract", asset=PRODUCTION_KEY, blocking=True),
    dg.AssetCheckSpec("well_day_unique", asset=PRODUCTION_KEY, blocking=True),
    dg.AssetCheckSpec("keys_not_null", asset=PRODUCTION_KEY, blocking=True),
    dg.AssetCheckSpec("on_stream_hours_in_range", asset=PRODUCTION_KEY, blocking=True),
    dg.AssetCheckSpec("volumes_not_negative", asset=PRODUCTION_KEY, blocking=True),
    dg.AssetCheckSpec("values_in_range", asset=PRODUCTION_KEY, blocking=True),
    dg.AssetCheckSpec("injection_values_in_range", asset=INJECTION_KEY, blocking=True),
    dg.AssetCheckSpec("injection_well_day_unique", asset=INJECTION_KEY, blocking=True),
    dg.AssetCheckSpec("every_bronze_row_accounted", asset=QUARANTINE_KEY, blocking=True),
    dg.AssetCheckSpec("quarantine_ratio", asset=QUARANTINE_KEY),
]


def build_silver_daily(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The partitioned conform step: one run conforms a window of days (a range of partitions) into the
    three silver well-day tables and the warehouse, records what it was built from, and checks the rows."""

    @dg.multi_asset(
        specs=_DAILY_SPECS,
        check_specs=_DAILY_CHECKS,
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
        first, last = _days_of(context.partition_time_window)
        store = lake.lake()
        register = store.read(SILVER_REGISTER, silver_schema.WELL_REGISTER)
        sources = _BuildSources.read(store, register, platform.partition_grain, first, last)
        tally, engine_name = _conform_window(store, register, first, last, silver_engine, warehouse, platform)
        _record_build(store, context, sources)
        context.log.info(
            f"{first}..{last} ({engine_name}): {tally.bronze_rows} bronze rows → {tally.rows['production']} "
            f"production, {tally.rows['injection']} injection, {tally.rows['quarantine']} quarantined"
        )
        yield from _materializations(tally, first, last)
        yield from _quality_checks(tally, platform)

    return silver_well_days


def _days_of(window: dg.TimeWindow) -> tuple[date, date]:
    """The first and last production day of a partition window (its end is exclusive)."""
    return window.start.date(), window.end.date() - timedelta(days=1)


@dataclass(frozen=True)
class _BuildSources:
    """What a build conforms from, read before it starts (``lakehouse.build_state``): bronze's version, its
    rows per partition and the reference data, recorded once silver and the warehouse hold the build."""

    bronze_version: int | None
    counts: dict[str, int]
    refs: build_state.References

    @classmethod
    def read(cls, store: Lake, register: pl.DataFrame, grain: str, first: date, last: date) -> "_BuildSources":
        return cls(
            bronze_version=store.version(BRONZE_DAILY),
            counts=build_state.bronze_rows_by_partition(store, grain, first, last),
            refs=build_state.references(store, register),
        )


def _conform_window(
    store: Lake,
    register: pl.DataFrame,
    first: date,
    last: date,
    silver_engine: SilverEngineResource,
    warehouse: WarehouseResource,
    platform: PlatformResource,
) -> tuple["_WindowTally", str]:
    """Conform the window span by span into silver (the engine writes it), tallying each span's checks,
    and publish it to the warehouse; returns the tally and the engine's name.

    A warehouse that reads the lake's files gets views over the new snapshot once every span is written;
    any other gets a copy, replaced for exactly the window in one transaction. Either way a crash part-way
    leaves the warehouse on the old window, and the unrecorded build makes the next run redo it.
    """
    tally = _WindowTally()
    wh = warehouse.warehouse()
    in_place = wh.reads_lake_files(store)
    copy = nullcontext(None) if in_place else wh.replacing_window(tuple(DESTINATIONS), first, last)
    with silver_engine.engine() as engine, copy as writer:
        for part in engine.conform_window(store, register, first, last):
            if writer is not None:
                for table, frame in by_destination(part.result).items():
                    writer.add(table, frame)
            tally.add(part)
            crash_here("in_silver", platform.crash_at)
    if in_place:
        wh.publish_lake_views(DESTINATIONS, lambda table: store.data_files(catalog.Table("silver", table).path))
    return tally, engine.name


def _record_build(store: Lake, context: dg.AssetExecutionContext, sources: _BuildSources) -> None:
    """Record the silver table versions, then the build: a run that dies between the two writes leaves the
    build unrecorded, so the next run rebuilds it."""
    silver_tables = [catalog.Table("silver", table).path for table in DESTINATIONS]
    build_state.record_versions(store, context.partition_keys, build_state.current_versions(store, silver_tables))
    build_state.record_build(
        store, context.partition_keys, sources.counts, sources.refs, sources.bronze_version, context.run_id
    )


def _materializations(tally: "_WindowTally", first: date, last: date) -> Iterator[dg.MaterializeResult]:
    """One materialization per silver table, with its row count (and quarantine's rejections by rule)."""
    yield dg.MaterializeResult(
        asset_key=PRODUCTION_KEY,
        metadata={"rows": tally.rows["production"], "first_day": str(first), "last_day": str(last)},
    )
    yield dg.MaterializeResult(asset_key=INJECTION_KEY, metadata={"rows": tally.rows["injection"]})
    yield dg.MaterializeResult(
        asset_key=QUARANTINE_KEY,
        metadata={"rows": tally.rows["quarantine"], "by_rule": dg.MetadataValue.json(tally.rejected_by_rule())},
    )


def _quality_checks(tally: "_WindowTally", platform: PlatformResource) -> Iterator[dg.AssetCheckResult]:
    """The window's quality gates: the row checks, every bronze row accounted for, and the share of rows
    quarantined against the environment's threshold."""
    for name, problems in tally.problems.items():
        yield _check(INJECTION_KEY if name.startswith("injection_") else PRODUCTION_KEY, name, problems)
    yield _check(QUARANTINE_KEY, "every_bronze_row_accounted", tally.unaccounted)
    by_rule = tally.rejected_by_rule()
    rejected = sum(by_rule.values())
    ratio = rejected / tally.bronze_rows if tally.bronze_rows else 0.0
    yield dg.AssetCheckResult(
        asset_key=QUARANTINE_KEY,
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

    def rejected_by_rule(self) -> dict[str, int]:
        """Rejected rows per cleaning rule, in rule order."""
        return dict(sorted(self.by_rule.items()))


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
