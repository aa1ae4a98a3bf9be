"""``datalive doctor``: is every resource of an environment configured and reachable?

Each check says what it looked at and passes or fails; nothing is written except a probe file in the
environment's own lake folder (removed again), and no secret value is ever read here: secrets are known
only as present or missing (``env.variables_present``). A failing required check makes the command exit 1.
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from da_platform import catalog
from da_platform.env import SNOWFLAKE_SECRETS, Settings


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    name: str
    ok: bool
    detail: str
    required: bool = True


def _check(name: str, probe: Callable[[], str], required: bool = True) -> Check:
    try:
        return Check(name, True, probe(), required)
    except Exception as exc:  # a readiness report lists every failure instead of stopping at the first
        return Check(name, False, f"{type(exc).__name__}: {exc}", required)


class NotForSharedEnvironments(LookupError):
    """An embedded default (local folder, DuckDB vector store, SQLite MLflow, log-only alerts) in qa or prod."""


def _shared_needs(settings: Settings, configured: object, what: str, variable: str) -> None:
    # qa and prod are shared and must survive the machine they run on: dev's embedded defaults are refused.
    if settings.env != "dev" and not configured:
        raise NotForSharedEnvironments(f"{what} is for dev only; {settings.env} needs {variable}")


def _lake(settings: Settings) -> str:
    from da_platform.lakehouse.delta_lake import open_lake

    _shared_needs(settings, settings.lake_url, "a local-folder lake", "DATALIVE_LAKE_URL (s3:// or abfss://)")

    lake = open_lake(settings)  # refuses another environment's folder or stores
    ready = lake.readiness()
    silver = "silver present" if lake.exists(catalog.SILVER_PRODUCTION.path) else "no silver yet (run `datalive run`)"
    return f"{ready}; {silver}"


def _warehouse(settings: Settings) -> str:
    from da_platform.lakehouse.warehouse import Warehouse

    if not settings.warehouse_path.exists():
        raise FileNotFoundError("no warehouse file yet (run `datalive run`)")
    # (refuses another environment's file)
    warehouse = Warehouse(settings.warehouse_path, settings.isolation_key, settings.duckdb_settings)
    return f"DuckDB opens read-only, {len(warehouse.gold_tables())} gold tables"


def _snowflake(settings: Settings, present: Mapping[str, bool]) -> str:
    from da_platform.lakehouse.warehouse import open_warehouse

    missing = [name for name in SNOWFLAKE_SECRETS if not present[name]]
    if missing:
        raise LookupError(f"missing: {', '.join(missing)}")
    warehouse = open_warehouse(settings, login_timeout=10)  # refuses another environment's database
    try:
        tables = warehouse.gold_tables()
    except Exception as exc:  # the connector's message can carry the account URL, never the password
        raise ConnectionError(
            f"credentials present but {settings.snowflake_database} is unreachable: {type(exc).__name__}"
        ) from None
    gold = f"{settings.snowflake_database}.{settings.warehouse_layer_schema('gold').upper()}"
    return f"credentials present (values not shown); Snowflake answers, {len(tables)} gold tables in {gold}"


def _dbt_manifest() -> str:
    from da_platform.defs.gold.assets import dbt_project

    manifest = dbt_project().manifest_path
    if not manifest.exists():
        raise FileNotFoundError("dbt manifest missing (run `make setup` or `dbt parse`)")
    return "manifest parsed"


def _registry(settings: Settings) -> str:
    from da_platform.forecast.tracking import champion, target_for

    _shared_needs(
        settings,
        settings.mlflow_tracking_uri,
        "a SQLite MLflow store",
        f"a tracking server (DATALIVE_MLFLOW_URI_{settings.env.upper()})",
    )
    target = target_for(settings.mlflow_tracking_uri, settings.env_root, settings.isolation_key)
    if settings.mlflow_tracking_uri:
        # A quick probe first: MLflow's client retries a refused connection with backoff for minutes.
        with urllib.request.urlopen(settings.mlflow_tracking_uri.rstrip("/") + "/health", timeout=3):
            pass
        current = champion(target)  # reaches the server: a refused connection fails the check
        return f"MLflow server answers; experiment {target.experiment}; " + (
            f"champion version {current.version}" if current else "no champion yet"
        )
    if target.store_missing:
        return f"no MLflow store yet (the first backtest creates {target.experiment})"
    current = champion(target)
    return f"MLflow store opens; experiment {target.experiment}; " + (
        f"champion version {current.version}" if current else "no champion yet (run `datalive backtest`)"
    )


def _stream(settings: Settings) -> str:
    host, _, port = (settings.kafka_bootstrap or "").rpartition(":")
    with socket.create_connection((host, int(port)), timeout=3):
        pass
    return f"broker reachable; topic {settings.stream_topic}"


def _vector_store(settings: Settings) -> str:
    from da_platform.rag.store import index_path, open_store

    _shared_needs(settings, settings.vector_dsn, "the embedded vector store", "pgvector (DATALIVE_VECTOR_DSN)")
    if not settings.vector_dsn:
        return f"embedded DuckDB store at {index_path(settings)}"
    store = open_store(settings, read_only=True)
    try:
        chunks = store.count()  # connects, creates the vector extension if allowed, reads the collection
    finally:
        store.close()
    return f"pgvector reachable; collection {store.collection} holds {chunks} chunks"


def _alerts(settings: Settings) -> str:
    route = settings.alert_route
    _shared_needs(
        settings,
        route != "log",
        "alerts as log lines only",
        "DATALIVE_ALERT_WEBHOOK_URL or DATALIVE_ALERT_SNS_TOPIC_ARN",
    )
    if route == "webhook":
        return "webhook configured (URL not shown; doctor sends no alert)"
    if route == "sns":
        return f"SNS topic {settings.alert_sns_topic_arn} (doctor publishes nothing)"
    return "log lines (datalive.alerts); set DATALIVE_ALERT_WEBHOOK_URL or DATALIVE_ALERT_SNS_TOPIC_ARN to be paged"


def _spark(settings: Settings) -> str:
    from da_platform.lakehouse.silver_engines import spark_session

    with spark_session(settings.spark_remote or "local") as spark:
        rows = spark.range(3).count()
    return f"Spark Connect session answers ({rows} rows from a test query); bronze → silver runs on Spark"


def run_checks(settings: Settings, present: Mapping[str, bool]) -> list[Check]:
    """The checklist for one environment. ``present`` maps secret names to whether they are set."""
    checks = [
        Check("environment", True, settings.isolation_key),
        _check("lake", lambda: _lake(settings)),
        _check("dbt project", _dbt_manifest),
        _check("model registry", lambda: _registry(settings)),
    ]
    if settings.env == "dev":
        checks.append(_check("warehouse", lambda: _warehouse(settings)))
    else:
        checks.append(_check("warehouse (Snowflake)", lambda: _snowflake(settings, present)))
    checks.append(_check("vector store", lambda: _vector_store(settings)))
    checks.append(_check("alerts", lambda: _alerts(settings)))
    if settings.spark_remote:
        checks.append(_check("spark", lambda: _spark(settings)))
    else:
        checks.append(Check("spark", True, "not configured: silver is conformed in process", required=False))
    if settings.kafka_bootstrap:
        checks.append(_check("stream", lambda: _stream(settings)))
    else:
        checks.append(Check("stream", True, "not configured (DATALIVE_KAFKA_BOOTSTRAP)", required=False))
    return checks


def render(checks: list[Check]) -> str:
    """The checklist as text, one line per check."""
    marks = {True: "[ok]  ", False: "[FAIL]"}
    return "\n".join(f"{marks[c.ok]} {c.name}: {c.detail}" + ("" if c.required else " (optional)") for c in checks)


def ready(checks: list[Check]) -> bool:
    """True when no required check failed."""
    return all(c.ok or not c.required for c in checks)
