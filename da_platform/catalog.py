"""Every asset key and lake table path, named once.

Asset keys never change between environments (dev / qa / prod swap resources, not keys), and most assets
write the lake table of the same path, so one name serves both: ``SILVER_PRODUCTION.path`` is the Delta
table's path under the lake root, ``SILVER_PRODUCTION.key`` the asset key's parts. Tables that no asset is
named for (raw's byte store and manifest, bronze's rejections, build bookkeeping) are listed here too, so a
reader finds every table of the lake in one place. This module imports nothing: pure code (status, the
pending window, the API) and the Dagster wiring read the same names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """A lakehouse table (or asset) in one layer: ``raw``, ``bronze``, ``silver``, ``gold``, ``forecast``,
    ``rag``."""

    layer: str
    name: str

    @property
    def path(self) -> str:
        """The lake path, relative to the lake root (``silver/well_day_production``)."""
        return f"{self.layer}/{self.name}"

    @property
    def key(self) -> tuple[str, str]:
        """The asset key's parts (``("silver", "well_day_production")``); ``dagster.AssetKey(list(t.key))``."""
        return (self.layer, self.name)

    def __str__(self) -> str:
        return self.path


# raw: every byte that arrived, content-addressed, and what the landing scan knows.
RAW_LANDED_FILES = Table("raw", "landed_files")  # the asset; it writes the three tables below
RAW_FILES = Table("raw", "files")
RAW_MANIFEST = Table("raw", "manifest")
RAW_LANDING_STAT_CACHE = Table("raw", "landing_stat_cache")
RAW_AUDIT_LOG = Table("raw", "audit_log")

# bronze: parsed as landed, plus what could not be parsed.
BRONZE_DAILY = Table("bronze", "daily_reports")
BRONZE_REGISTER = Table("bronze", "well_register")
BRONZE_MONTHLY = Table("bronze", "monthly_reports")
BRONZE_REJECTIONS = Table("bronze", "rejections")

# silver: conformed days, the register and reported monthly totals; quarantine keeps rejected rows.
SILVER_PRODUCTION = Table("silver", "well_day_production")
SILVER_INJECTION = Table("silver", "well_day_injection")
SILVER_QUARANTINE = Table("silver", "quarantine")
SILVER_REGISTER = Table("silver", "well_register")
SILVER_MONTHLY = Table("silver", "reported_monthly")
SILVER_BUILD_STATE = Table("silver", "_build_state")
SILVER_BUILD_VERSIONS = Table("silver", "_build_versions")
# The one multi-asset step conforms these three together.
SILVER_DAILY_TABLES = (SILVER_PRODUCTION, SILVER_INJECTION, SILVER_QUARANTINE)

# gold: dbt models in the warehouse (asset key ``gold/<model>``), not lake tables.
GOLD_WELL_DAILY = Table("gold", "fct_well_daily_production")
GOLD_WELL_MONTHLY = Table("gold", "fct_well_monthly_production")

# forecast and rag products.
FORECAST_WELL_DAILY = Table("forecast", "well_daily_forecasts")
FORECAST_MONTHLY = Table("forecast", "monthly_forecasts")
FORECAST_BACKTEST = Table("forecast", "backtest_metrics")
RAG_CHUNKS = Table("rag", "chunks")
RAG_VECTOR_INDEX = Table("rag", "vector_index")
RAG_EVALUATION = Table("rag", "evaluation")

# Landing kinds whose arrival changes how every day conforms or reconciles (the reference-change trigger).
REFERENCE_KINDS = frozenset({"monthly", "reference"})
