"""What every domain's definitions share: the retry policy, failures that must not be retried, asset keys
named by the catalog, and the tag and owner policy the code location applies to every asset."""

from __future__ import annotations

import dagster as dg

from da_platform.catalog import Table
from da_platform.env import Settings
from da_platform.naming import mandatory_tags

# Retries are for transient I/O (an object store hiccup, a locked file). A failure that cannot succeed on a
# retry (a bad or missing file, an invalid register) raises ``deterministic`` instead, so it fails at once.
RETRY = dg.RetryPolicy(max_retries=2, delay=5)
# Jobs that write the lake carry this tag: the instance's run queue admits one of them at a time.
LAKE_WRITER_TAG = {"datalive/lake-writer": "true"}


def deterministic(description: str) -> dg.Failure:
    """A failure the same input would repeat: Dagster does not retry it, whatever the asset's policy."""
    return dg.Failure(description=description, allow_retries=False)


def asset_key(table: Table) -> dg.AssetKey:
    """The asset key of a catalog table (``asset_key(SILVER_PRODUCTION)`` is ``silver/well_day_production``)."""
    return dg.AssetKey(list(table.key))


def apply_tag_and_owner_policy(defs: dg.Definitions, settings: Settings) -> dg.Definitions:
    """``defs`` with the environment's mandatory tags and its owning team on every asset."""
    tags = mandatory_tags(settings)
    owner = f"team:{settings.owner}"
    return defs.map_asset_specs(func=lambda spec: spec.merge_attributes(tags=tags, owners=[owner]))
