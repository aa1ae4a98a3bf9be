"""Gold: the dbt project as partitioned assets with dbt tests as checks, the reconciliation check, and the
dbt resource."""

from __future__ import annotations

import dagster as dg

from da_platform.defs.gold.assets import build_gold_assets, dbt_resource
from da_platform.defs.gold.reconciliation_check import build_reconciliation_check
from da_platform.defs.partitions import production_partitions
from da_platform.env import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    """The dbt models on the environment's partitions, the blocking reconciliation check and the dbt CLI."""
    return dg.Definitions(
        assets=[build_gold_assets(production_partitions(settings))],
        asset_checks=[build_reconciliation_check()],
        resources={"dbt": dbt_resource(settings)},
    )
