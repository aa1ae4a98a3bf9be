"""Resources built from the settings object; one set per environment, chosen once."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from da_platform.env import SECRET_FIELDS, Settings, settings_from_json, settings_to_json
from da_platform.forecast.select import ForecastConfig
from da_platform.lakehouse.delta_lake import Lake, open_lake_at
from da_platform.lakehouse.silver_engines import EmbeddedSilverEngine, SilverEngine, SparkSilverEngine, spark_session
from da_platform.lakehouse.snowflake_warehouse import SnowflakeWarehouse, endpoint_args
from da_platform.lakehouse.warehouse import Warehouse


class LakeResource(dg.ConfigurableResource):
    """The environment's Delta lake (raw, bronze, silver and gold zones): a folder or object-store stores.

    Object-store credentials never pass through here: delta-rs and obstore take them from the
    standard ``AWS_*`` / ``AZURE_STORAGE_*`` environment variables (or an instance role).
    """

    root: str  # a folder, or a URL template with {zone} (s3://… or abfss://…)
    env_key: str
    kms_key_id: str = ""

    def lake(self) -> Lake:
        """The guarded lake; refuses any write outside the environment's own stores."""
        return open_lake_at(self.root, self.env_key, self.kms_key_id or None)


class WarehouseResource(dg.ConfigurableResource):
    """The environment's warehouse: a DuckDB file (dev), or Snowflake (qa, prod) through Dagster's
    ``SnowflakeResource``, with account, user and password from ``EnvVar`` (never in config or the UI)."""

    path: str
    env_key: str
    snowflake_account: str = ""  # empty: DuckDB at ``path``
    snowflake_user: str = ""
    snowflake_password: str = ""
    snowflake_role: str = ""
    snowflake_warehouse: str = ""
    snowflake_database: str = ""
    silver_schema: str = "silver"
    gold_schema: str = "gold"
    dbt_schema: str = ""  # the target schema dbt's qa/prod profile reads (DATALIVE_SNOWFLAKE_SCHEMA)
    snowflake_host: str = ""
    snowflake_port: int = 0
    snowflake_protocol: str = ""
    duckdb_memory_limit: str = ""  # empty: DuckDB's default (Settings.duckdb_settings)
    duckdb_threads: int = 0

    def _duckdb_settings(self) -> dict[str, str | int]:
        limits: dict[str, str | int] = {"memory_limit": self.duckdb_memory_limit, "threads": self.duckdb_threads}
        return {k: v for k, v in limits.items() if v}

    def warehouse(self) -> Warehouse | SnowflakeWarehouse:
        """The guarded warehouse handle (nothing connects until it is used)."""
        if not self.snowflake_account:
            return Warehouse(Path(self.path), self.env_key, self._duckdb_settings())
        schemas = {"silver": self.silver_schema, "gold": self.gold_schema}
        return SnowflakeWarehouse(
            self._snowflake().get_connection, self.snowflake_database, schemas, self.env_key, self.dbt_schema or None
        )

    def _snowflake(self):
        # Imported here: dagster-snowflake pulls in Snowpark (seconds of import) that dev never needs.
        from dagster_snowflake import SnowflakeResource

        endpoint = endpoint_args(self.snowflake_host, self.snowflake_port, self.snowflake_protocol)
        return SnowflakeResource(
            account=self.snowflake_account,
            user=self.snowflake_user,
            password=self.snowflake_password,
            role=self.snowflake_role or None,
            warehouse=self.snowflake_warehouse or None,
            database=self.snowflake_database,
            paramstyle="qmark",
            additional_snowflake_connection_args=endpoint or None,
        )

    def dbt_variables(self) -> dict[str, str]:
        """What profiles.yml reads for this warehouse, set around each dbt call."""
        if not self.snowflake_account:
            return {
                "DATALIVE_DUCKDB_PATH": str(Path(self.path).resolve()),
                "DATALIVE_DUCKDB_SETTINGS": json.dumps(self._duckdb_settings()),
            }
        endpoint = {
            "DATALIVE_SNOWFLAKE_HOST": self.snowflake_host,
            "DATALIVE_SNOWFLAKE_PORT": str(self.snowflake_port or ""),
            "DATALIVE_SNOWFLAKE_PROTOCOL": self.snowflake_protocol,
        }
        return {"DATALIVE_SNOWFLAKE_SCHEMA": self.dbt_schema, **{k: v for k, v in endpoint.items() if v}}


class SilverEngineResource(dg.ConfigurableResource):
    """Where bronze → silver runs: in process (empty ``spark_remote``) or on Spark (``local`` or ``sc://...``).

    The remote comes from ``DATALIVE_SPARK_REMOTE`` through ``EnvVar``: a Spark Connect URL can carry a
    token, so its value is never part of the resource config shown in the UI.
    """

    spark_remote: str = ""

    @contextmanager
    def engine(self) -> Iterator[SilverEngine]:
        """The configured engine, with its Spark session open for the duration of the step."""
        if not self.spark_remote:
            yield EmbeddedSilverEngine()
            return
        with spark_session(self.spark_remote) as spark:
            yield SparkSilverEngine(spark)


class PlatformResource(dg.ConfigurableResource):
    """Environment facts that asset code needs without knowing which environment it runs in."""

    env: str
    landing_dir: str
    partitions_start: str
    max_quarantine_ratio: float
    partition_grain: str = "monthly"
    crash_at: str = ""  # test-only fault injection point (da_platform.faults); empty: never

    @property
    def strict(self) -> bool:
        """Prod treats quality warnings as errors."""
        return self.env == "prod"


class ModelRegistryResource(dg.ConfigurableResource):
    """The environment's MLflow tracking store and model registry (SQLite + local artifacts in dev)."""

    env_root: str
    isolation_key: str
    tracking_uri: str = ""  # the environment's MLflow server; empty: SQLite under env_root

    def target(self):
        """Where runs, models and the champion alias of this environment live."""
        from da_platform.forecast.tracking import target_for

        return target_for(self.tracking_uri or None, Path(self.env_root), self.isolation_key)

    def champion_config(self) -> tuple[ForecastConfig, str | None, str | None]:
        """The promoted forecast policy (config, version, run id), or the default when none is promoted."""
        from da_platform.forecast.tracking import champion, load_champion_config

        current = champion(self.target())
        if current is None:
            return ForecastConfig(), None, None
        return load_champion_config(self.target()), current.version, current.run_id


class RagResource(dg.ConfigurableResource):
    """The environment's full :class:`Settings`, for the explanation index (its store, collection and
    sources all follow from them): the plain fields serialized, each secret field as ``EnvVar`` of the
    variable it came from (never in run config or the UI). Build it with :func:`rag_resource`."""

    settings_json: str
    spark_remote: str = ""
    vector_dsn: str = ""
    llm_api_key: str = ""
    alert_webhook_url: str = ""

    def settings(self) -> Settings:
        """The environment's settings, exactly as the process that built the definitions loaded them."""
        return settings_from_json(self.settings_json, {name: getattr(self, name) for name in SECRET_FIELDS})


def rag_resource(settings: Settings) -> RagResource:
    """The index resource of ``settings``' environment: nothing trimmed, secrets by reference only."""
    secrets = {name: dg.EnvVar(variable) for name, variable in SECRET_FIELDS.items() if getattr(settings, name)}
    return RagResource(settings_json=settings_to_json(settings), **secrets)


def registry_resource(settings: Settings) -> ModelRegistryResource:
    """The environment's model registry: its MLflow server when configured, else its SQLite store."""
    return ModelRegistryResource(
        env_root=str(settings.env_root),
        isolation_key=settings.isolation_key,
        tracking_uri=settings.mlflow_tracking_uri or "",
    )


def warehouse_resource(settings: Settings) -> WarehouseResource:
    """DuckDB in dev; in qa and prod the environment's Snowflake database and (per PR) schemas."""
    if settings.warehouse_backend == "duckdb":
        return WarehouseResource(
            path=str(settings.warehouse_path),
            env_key=settings.isolation_key,
            duckdb_memory_limit=settings.duckdb_memory_limit or "",
            duckdb_threads=settings.duckdb_threads or 0,
        )
    return WarehouseResource(
        path=str(settings.warehouse_path),
        env_key=settings.isolation_key,
        snowflake_account=dg.EnvVar("DATALIVE_SNOWFLAKE_ACCOUNT"),
        snowflake_user=dg.EnvVar("DATALIVE_SNOWFLAKE_USER"),
        snowflake_password=dg.EnvVar("DATALIVE_SNOWFLAKE_PASSWORD"),
        snowflake_role=settings.snowflake_role or "",
        snowflake_warehouse=settings.snowflake_warehouse or "",
        snowflake_database=settings.snowflake_database,
        silver_schema=settings.warehouse_layer_schema("silver"),
        gold_schema=settings.warehouse_layer_schema("gold"),
        dbt_schema=settings.warehouse_schema,
        snowflake_host=settings.snowflake_host or "",
        snowflake_port=settings.snowflake_port or 0,
        snowflake_protocol=settings.snowflake_protocol or "",
    )


def build_resources(settings: Settings) -> dict[str, object]:
    """The resource dictionary for one environment."""
    return {
        "lake": LakeResource(
            root=settings.lake_location,
            env_key=settings.isolation_key,
            kms_key_id=settings.lake_kms_key_id or "",
        ),
        "warehouse": warehouse_resource(settings),
        "rag": rag_resource(settings),
        "registry": registry_resource(settings),
        "silver_engine": SilverEngineResource(
            spark_remote=dg.EnvVar("DATALIVE_SPARK_REMOTE") if settings.spark_remote else ""
        ),
        "platform": PlatformResource(
            env=settings.env,
            landing_dir=str(settings.landing_dir),
            partitions_start=settings.partitions_start.isoformat(),
            max_quarantine_ratio=0.01 if settings.env == "prod" else 0.05,
            partition_grain=settings.partition_grain,
            crash_at=settings.crash_at or "",
        ),
    }


def severity(platform: PlatformResource) -> dg.AssetCheckSeverity:
    """Quality rules that warn in dev and qa fail the run in prod."""
    return dg.AssetCheckSeverity.ERROR if platform.strict else dg.AssetCheckSeverity.WARN
