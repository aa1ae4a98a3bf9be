"""Gold assets: the dbt project, run per partition window, with dbt tests surfaced as asset checks."""

import json
import sys
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from da_platform.defs.resources import WarehouseResource
from da_platform.env import Settings, dbt_variables

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


@cache
def dbt_project() -> DbtProject:
    """The dbt project; its manifest is prepared by `datalive`/`make` before the code location loads."""
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class GoldTranslator(DagsterDbtTranslator):
    """dbt models become ``gold/<model>`` in the ``gold`` group; sources keep their silver keys."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey(["gold", dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "gold"


def build_gold_assets(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The dbt models as one partitioned multi-asset; a range of days runs as one dbt build."""
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        dagster_dbt_translator=GoldTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        name="gold_dbt_models",
        project=project,
    )
    def gold_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        window = context.partition_time_window
        window_vars = {
            "start_date": window.start.date().isoformat(),
            "end_date": (window.end.date() - timedelta(days=1)).isoformat(),
        }
        with dbt_variables(warehouse.dbt_variables()):
            yield from dbt.cli(["build", "--vars", json.dumps(window_vars)], context=context).stream()

    return gold_dbt_models


def dbt_resource(settings: Settings) -> DbtCliResource:
    """dbt CLI resource whose target is the environment's name."""
    # The dbt beside this interpreter, so a venv works without being activated.
    beside = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(DBT_PROJECT_DIR),
        target=settings.dbt_target,
        dbt_executable=str(beside) if beside.exists() else "dbt",
    )
