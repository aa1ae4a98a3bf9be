"""The Dagster code location. Loading it reads the environment once, inside the @definitions function."""

from __future__ import annotations

import dagster as dg

from da_platform.env import Settings, load_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Every domain's assets, checks, jobs, sensors and schedules for one environment, with the shared
    resources, and the tag and owner policy applied to every asset."""
    from da_platform.defs import forecast, gold, ingest, lakehouse, ops, rag
    from da_platform.defs.policy import apply_tag_and_owner_policy
    from da_platform.defs.resources import build_resources

    domains = [domain.build_defs(settings) for domain in (ingest, lakehouse, gold, forecast, rag, ops)]
    defs = dg.Definitions.merge(*domains, dg.Definitions(resources=build_resources(settings)))
    return apply_tag_and_owner_policy(defs, settings)


@dg.definitions
def defs() -> dg.Definitions:
    """Entry point for `dagster dev` and Dagster+ (see workspace.yaml and dagster_cloud.yaml)."""
    return build_definitions(load_settings())
