"""A snapshot of the code location: the asset graph, its groups, jobs, sensors, schedules and tags."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from da_platform.definitions import build_definitions
from da_platform.env import load_settings
from da_platform.naming import MANDATORY_TAGS

EXPECTED_ASSETS = {
    "raw/landed_files": "raw",
    "bronze/daily_reports": "bronze",
    "bronze/rejections": "bronze",
    "bronze/monthly_reports": "bronze",
    "bronze/well_register": "bronze",
    "silver/well_register": "silver",
    "silver/reported_monthly": "silver",
    "silver/well_day_production": "silver",
    "silver/well_day_injection": "silver",
    "silver/quarantine": "silver",
    "gold/fct_well_daily_production": "gold",
    "gold/fct_field_daily_production": "gold",
    "gold/fct_facility_daily_production": "gold",
    "gold/fct_well_daily_injection": "gold",
    "gold/fct_well_monthly_production": "gold",
    "gold/fct_field_monthly_production": "gold",
    "gold/dim_well": "gold",
    "forecast/backtest_metrics": "forecast",
    "forecast/well_daily_forecasts": "forecast",
    "forecast/monthly_forecasts": "forecast",
    "rag/chunks": "rag",
    "rag/vector_index": "rag",
    "rag/evaluation": "rag",
}


@pytest.fixture(scope="module")
def defs(dbt_manifest: Path, tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    home = tmp_path_factory.mktemp("home")
    return build_definitions(load_settings({"DATALIVE_HOME": str(home), "DA_ENV": "qa"}, cwd=home))


def test_graph_holds_every_layer_with_canonical_keys(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    for key, group in EXPECTED_ASSETS.items():
        assert groups.get(key) == group, key
    assert not [k for k in groups if k.split("/")[0] not in ("raw", "bronze", "silver", "gold", "forecast", "rag")]


def test_lineage_runs_raw_to_gold(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["gold", "fct_well_daily_production"])).parent_keys
    assert dg.AssetKey(["gold", "int_well_day_production"]) in upstream
    silver = graph.get(dg.AssetKey(["silver", "well_day_production"])).parent_keys
    assert dg.AssetKey(["bronze", "daily_reports"]) in silver
    assert dg.AssetKey(["raw", "landed_files"]) in graph.get(dg.AssetKey(["bronze", "daily_reports"])).parent_keys


def test_every_asset_carries_the_mandatory_tags_and_an_owner(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assert set(MANDATORY_TAGS) <= set(node.tags), key
        assert node.tags["Environment"] == "qa", key
        assert node.owners == ["team:data-platform"], key


def test_silver_and_gold_share_monthly_partitions_with_single_run_backfills(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for key in ("silver/well_day_production", "gold/fct_well_daily_production"):
        node = graph.get(dg.AssetKey(key.split("/")))
        assert isinstance(node.partitions_def, dg.MonthlyPartitionsDefinition), key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    assert graph.get(dg.AssetKey(["raw", "landed_files"])).partitions_def is None


def test_quality_gates_are_blocking_checks(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    blocking = {
        f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys if graph.get_check_spec(k).blocking
    }
    assert "gold/fct_well_monthly_production:monthly_oil_reconciles_with_reported" in blocking
    assert "silver/well_day_production:well_day_unique" in blocking
    assert "silver/quarantine:every_bronze_row_accounted" in blocking
    dbt_checks = [k for k in graph.asset_check_keys if k.asset_key.path[0] == "gold" and "__" in k.name]
    assert len(dbt_checks) > 50  # dbt tests surface as asset checks


def test_jobs_sensors_and_schedule_are_defined(defs: dg.Definitions) -> None:
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"ingest_job", "daily_job", "forecast_job", "rag_job"}
    assert {s.name for s in defs.sensors or []} == {
        "landing_sensor",
        "new_days_sensor",
        "reference_changed_sensor",
        "freshness_checks_sensor",
        "run_failure_alert_sensor",
        "freshness_alert_sensor",
        "audit_run_success_sensor",
        "audit_run_failure_sensor",
    }
    assert {s.name for s in defs.schedules or []} == {"daily_refresh"}


def test_daily_grain_gives_daily_partitions_with_the_same_asset_keys(dbt_manifest: Path, tmp_path: Path) -> None:
    monthly = build_definitions(load_settings({"DATALIVE_HOME": str(tmp_path)}, cwd=tmp_path))
    daily = build_definitions(
        load_settings({"DATALIVE_HOME": str(tmp_path), "DATALIVE_PARTITION_GRAIN": "daily"}, cwd=tmp_path)
    )
    key = dg.AssetKey(["silver", "well_day_production"])
    assert isinstance(daily.resolve_asset_graph().get(key).partitions_def, dg.DailyPartitionsDefinition)
    assert daily.resolve_asset_graph().get_all_asset_keys() == monthly.resolve_asset_graph().get_all_asset_keys()


def test_silver_and_gold_carry_freshness_checks_that_daily_runs_leave_to_their_sensor(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    fresh = {k.asset_key.to_user_string() for k in graph.asset_check_keys if k.name == "freshness_check"}
    assert fresh == {"silver/well_day_production", "gold/fct_well_daily_production"}
    daily = defs.resolve_job_def("daily_job").asset_layer.asset_graph
    assert not [k for k in daily.asset_check_keys if k.name == "freshness_check"]
    assert [k for k in daily.asset_check_keys if k.name == "well_day_unique"]  # quality gates still run
