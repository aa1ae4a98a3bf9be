"""Gold assets: the dbt project, run per partition window, with dbt tests surfaced as asset checks."""

from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets

from da_platform import catalog
from da_platform.defs.gold.dbt_private import DBT_BESIDE_INTERPRETER, DBT_LAUNCHER, LeanDbtCliResource
from da_platform.defs.policy import asset_key
from da_platform.defs.resources import PlatformResource, WarehouseResource
from da_platform.env import Settings, dbt_variables
from da_platform.faults import crash_here
from da_platform.gold.dbt_launch import WORKDIR
from da_platform.gold.dbt_runs import keep_parse_state, seed_parse_state

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"


@cache
def dbt_project() -> DbtProject:
    """The dbt project; its manifest is prepared by `datalive`/`make` before the code location loads."""
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class GoldTranslator(DagsterDbtTranslator):
    """dbt models become ``gold/<model>`` in the ``gold`` group; sources keep their silver keys."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return asset_key(catalog.Table("gold", dbt_resource_props["name"]))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "gold"


class GoldDbtResource(LeanDbtCliResource):
    """The dbt CLI, with the environment's own folder for its runs (``da_platform.gold.dbt_runs``), without
    dagster-dbt's per-run set-up this project does not use (``dbt_private``)."""

    work_dir: str

    def profile_variables(self, warehouse_variables: Mapping[str, str]) -> dict[str, str]:
        """``warehouse_variables`` as this dbt reads them: with the launcher, dbt runs in the DuckDB file's
        folder and the profile names the file by its bare name, the same in every environment."""
        path = warehouse_variables.get("DATALIVE_DUCKDB_PATH")
        if not path or Path(self.dbt_executable) != DBT_LAUNCHER:
            return dict(warehouse_variables)
        return {**warehouse_variables, "DATALIVE_DUCKDB_PATH": Path(path).name, WORKDIR: str(Path(path).parent)}


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
    def gold_dbt_models(
        context: dg.AssetExecutionContext,
        dbt: GoldDbtResource,
        warehouse: WarehouseResource,
        platform: PlatformResource,
    ):
        window = context.partition_time_window
        work_dir = Path(dbt.work_dir)
        work_dir.mkdir(parents=True, exist_ok=True)
        seed_parse_state(work_dir, project.project_dir / project.target_path)
        variables = {
            **dbt.profile_variables(warehouse.dbt_variables()),
            # The window as environment variables, not --vars: see macros/partition_window.sql.
            "DATALIVE_WINDOW_START_DATE": window.start.date().isoformat(),
            "DATALIVE_WINDOW_END_DATE": (window.end.date() - timedelta(days=1)).isoformat(),
            "DBT_TARGET_PATH": str(work_dir),  # each run's folder, and the parse state it starts from
        }
        models, built = len(context.selected_asset_keys), 0  # (asset keys: the models; outputs include checks)
        with dbt_variables(variables):
            invocation = dbt.cli(["build"], context=context)
            for event in invocation.stream():
                yield event
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    built += 1
                    if built == 1:
                        crash_here("in_dbt_models", platform.crash_at)
                    if built == models:  # dbt build runs tests after their models: some checks remain
                        crash_here("between_models_and_checks", platform.crash_at)
        keep_parse_state(invocation.target_path, work_dir)

    return gold_dbt_models


def dbt_resource(settings: Settings) -> GoldDbtResource:
    """dbt CLI resource whose target is the environment's name."""
    # The dbt beside this interpreter (through its launcher), so a venv works without being activated.
    found = next((path for path in (DBT_LAUNCHER, DBT_BESIDE_INTERPRETER) if path.exists()), None)
    return GoldDbtResource(
        project_dir=dbt_project(),
        profiles_dir=str(DBT_PROJECT_DIR),
        target=settings.dbt_target,
        dbt_executable=str(found) if found else "dbt",
        work_dir=str(settings.env_root / "dbt"),
    )
