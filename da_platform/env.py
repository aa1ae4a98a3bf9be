"""The one place that decides which environment this process runs in.

Everything else receives a :class:`Settings` object. Nothing here runs at import: call
:func:`load_settings` (with an explicit mapping in tests) when the settings are needed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

Environment = Literal["dev", "qa", "prod"]
ENVIRONMENTS: tuple[Environment, ...] = ("dev", "qa", "prod")

# Dagster+ full deployments map onto our environments by name; anything else is a configuration error.
_CLOUD_DEPLOYMENTS: dict[str, Environment] = {"prod": "prod", "qa": "qa", "dev": "dev"}
_TRUE = {"1", "true", "yes"}
# Per key: dev is generous for people exploring, prod protects the shared service.
_API_RATE_DEFAULTS: dict[str, tuple[int, int]] = {"dev": (600, 60), "qa": (300, 30), "prod": (120, 20)}
_FALSE = {"", "0", "false", "no"}
# Hours after a production day ends by which silver and gold must hold it: prod is watched closest.
_FRESHNESS_WINDOW_HOURS: dict[str, int] = {"dev": 168, "qa": 54, "prod": 30}
# A webhook may be plain http only on this machine (a local relay or a test server); anywhere else https.
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
# Retention in days per environment: Delta vacuum horizon, MLflow runs, quarantined rows. Prod keeps the
# longest history to restore from; raw is kept forever everywhere (see Retention.raw_days).
_RETENTION_DEFAULTS: dict[str, tuple[int, int, int]] = {"dev": (7, 30, 90), "qa": (7, 30, 90), "prod": (30, 365, 730)}
# dbt's qa/prod targets, the Dagster resource and the CLI reach Snowflake with these (never in Settings).
SNOWFLAKE_SECRETS = ("DATALIVE_SNOWFLAKE_ACCOUNT", "DATALIVE_SNOWFLAKE_USER", "DATALIVE_SNOWFLAKE_PASSWORD")


class SettingsError(ValueError):
    """The deployment variables do not describe a known environment."""


@dataclass(frozen=True)
class Retention:
    """How long an environment keeps what it can recover from (days)."""

    vacuum_horizon_days: int  # any table version of the last N days stays restorable (vacuum keeps its files)
    mlflow_run_days: int  # runs older than this, behind no registered version, are deleted
    quarantine_days: int  # quarantined rows whose source file landed longer ago leave silver/quarantine
    raw_days: None = None  # raw (every landed byte, the manifest, the audit trail) is kept forever


@dataclass(frozen=True)
class Settings:
    """Immutable description of one deployment: which environment, and where its data lives."""

    env: Environment
    home: Path
    pr_id: str | None = None
    region: str = "eu-north-1"
    owner: str = "data-platform"
    cost_center: str = "cc-0000"
    project: str = "DatAlive"
    partitions_start: date = date(2007, 9, 1)
    partition_grain: Literal["daily", "monthly"] = "monthly"
    # The lake on an object store: a URL template with {zone} (s3://… or abfss://…); None: under ``home``.
    lake_url: str | None = None
    lake_kms_key_id: str | None = None  # SSE-KMS key of the environment's S3 buckets (an id, not a secret)
    # Gold on Snowflake (qa, prod): where to connect; account, user and password stay in the environment
    # (DATALIVE_SNOWFLAKE_ACCOUNT/_USER/_PASSWORD), read by dbt's profile and by Dagster's EnvVar.
    # host/port/protocol only for a private link, a proxy or a local stand-in.
    snowflake_role: str | None = None
    snowflake_warehouse: str | None = None
    snowflake_host: str | None = None
    snowflake_port: int | None = None
    snowflake_protocol: str | None = None
    kafka_bootstrap: str | None = None  # a Kafka-protocol endpoint (Kafka, MSK, Event Hubs); None: no stream
    # Bronze → silver on Spark: "local" (Sail in process) or a Spark Connect URL; None: in process (polars).
    spark_remote: str | None = field(default=None, repr=False)
    # Explanation index on PostgreSQL + pgvector (qa, prod); None: the embedded DuckDB store. May hold a password.
    vector_dsn: str | None = field(default=None, repr=False)
    # MLflow tracking servers by environment (DATALIVE_MLFLOW_URI_DEV/_QA/_PROD); an environment without
    # one keeps its SQLite store under its own folder. Promotion reads the source's and the target's.
    mlflow_uris: tuple[tuple[str, str], ...] = ()
    # Optional LLM composer for explanations (an OpenAI-compatible endpoint); off when the URL is empty.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    # API: requests per minute and burst per key (None: the environment's default), CORS origins allowed.
    api_rate_per_minute: int | None = None
    api_rate_burst: int | None = None
    api_cors_origins: tuple[str, ...] = ()
    # Freshness window in hours (None: the environment's default, prod tightest).
    freshness_window_hours_override: int | None = None
    # Alerts: a Slack/Teams-style webhook (its URL carries a token: never shown), an SNS topic, or log lines.
    alert_webhook_url: str | None = field(default=None, repr=False)
    alert_sns_topic_arn: str | None = None
    # The Dagster UI's base URL, for links to runs in alerts (``http://127.0.0.1:3000`` for `make dev`).
    dagster_base_url: str = "http://127.0.0.1:3000"

    @property
    def freshness_window_hours(self) -> int:
        """Hours after a production day ends by which silver and gold must hold it (prod 30, qa 54, dev 168)."""
        return self.freshness_window_hours_override or _FRESHNESS_WINDOW_HOURS[self.env]

    @property
    def alert_route(self) -> Literal["webhook", "sns", "log"]:
        """Where alerts go: the webhook if one is set, else the SNS topic, else a log line."""
        if self.alert_webhook_url:
            return "webhook"
        return "sns" if self.alert_sns_topic_arn else "log"

    # Retention overrides in days (None: the environment's default, see :attr:`retention`).
    vacuum_horizon_days: int | None = None
    mlflow_run_retention_days: int | None = None
    quarantine_retention_days: int | None = None

    @property
    def retention(self) -> Retention:
        """Vacuum horizon, MLflow run and quarantine retention: explicit settings win over the defaults."""
        vacuum, runs, quarantine = _RETENTION_DEFAULTS[self.env]
        return Retention(
            vacuum_horizon_days=self.vacuum_horizon_days or vacuum,
            mlflow_run_days=self.mlflow_run_retention_days or runs,
            quarantine_days=self.quarantine_retention_days or quarantine,
        )

    # The embedded warehouse's DuckDB limits, decided from the machine (or DATALIVE_DUCKDB_MEMORY_LIMIT /
    # DATALIVE_DUCKDB_THREADS): None leaves DuckDB's own default (80 % of RAM, every core).
    duckdb_memory_limit: str | None = None
    duckdb_threads: int | None = None

    @property
    def duckdb_settings(self) -> dict[str, str | int]:
        """The DuckDB settings every connection to the embedded warehouse opens with (dbt's included)."""
        limits: dict[str, str | int] = {}
        if self.duckdb_memory_limit:
            limits["memory_limit"] = self.duckdb_memory_limit
        if self.duckdb_threads:
            limits["threads"] = self.duckdb_threads
        return limits

    # Test-only fault injection (DATALIVE_CRASH_AT, one of da_platform.faults.CRASH_POINTS): the run kills
    # itself with SIGKILL at that phase, so crash recovery can be tested deterministically. None: never.
    crash_at: str | None = None

    @property
    def mlflow_tracking_uri(self) -> str | None:
        """This environment's MLflow tracking server, or None for the local SQLite store."""
        return dict(self.mlflow_uris).get(self.env)

    @property
    def is_branch_deployment(self) -> bool:
        """True for a Dagster+ branch deployment (qa isolated per pull request)."""
        return self.pr_id is not None

    @property
    def isolation_key(self) -> str:
        """The physical namespace: ``dev``, ``prod``, ``qa`` or ``qa/pr-123`` for a branch deployment."""
        return f"{self.env}/pr-{self.pr_id}" if self.pr_id else self.env

    @property
    def stream_topic(self) -> str:
        """This environment's topic of daily report rows (``datalive.qa.pr-12.daily-reports``): never shared."""
        return "datalive." + self.isolation_key.replace("/", ".") + ".daily-reports"

    @property
    def stream_group(self) -> str:
        """The consumer group that lands this environment's topic into its raw zone."""
        return "datalive-" + self.isolation_key.replace("/", "-") + "-raw"

    @property
    def env_root(self) -> Path:
        """Root folder of everything this environment owns (lake, warehouse, Dagster instance)."""
        return self.home / self.isolation_key

    @property
    def landing_dir(self) -> Path:
        """Where the operator drops files: ``daily/``, ``monthly/`` and ``reference/`` below it."""
        return self.env_root / "landing"

    @property
    def lake_root(self) -> Path:
        """Root of the Delta lake zones (raw, bronze, silver)."""
        return self.env_root / "lake"

    @property
    def lake_location(self) -> str:
        """Where :func:`da_platform.lakehouse.delta_lake.open_lake` finds the lake: its URL template or folder."""
        return self.lake_url or str(self.lake_root)

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file that holds silver (views over the lake, or copies) and the dbt gold models."""
        return self.env_root / "warehouse" / f"datalive_{self.env}.duckdb"

    @property
    def warehouse_backend(self) -> Literal["duckdb", "snowflake"]:
        """Where silver is published and gold is built: DuckDB in dev, Snowflake in qa and prod (the dbt targets)."""
        return "duckdb" if self.env == "dev" else "snowflake"

    @property
    def snowflake_database(self) -> str:
        """The environment's Snowflake database: ``DB_DEV``, ``DB_QA`` or ``DB_PROD``."""
        return f"DB_{self.env.upper()}"

    def warehouse_layer_schema(self, layer: Literal["silver", "gold"]) -> str:
        """The physical schema of a layer, as dbt names it (macros/generate_schema_name.sql): ``silver`` /
        ``gold`` in DuckDB and prod, ``<warehouse_schema>_<layer>`` in qa so each pull request has its own."""
        return f"{self.warehouse_schema}_{layer}" if self.env == "qa" else layer

    @property
    def dagster_home(self) -> Path:
        """DAGSTER_HOME for runs started by the CLI, so run and check history persist per environment."""
        return self.env_root / "dagster"

    @property
    def dbt_target(self) -> str:
        """dbt profile target; target names equal environment names."""
        return self.env

    @property
    def api_rate_limit(self) -> tuple[int, int]:
        """(requests per minute, burst) per API key: explicit settings win over the environment's default."""
        per_minute, burst = _API_RATE_DEFAULTS[self.env]
        return (self.api_rate_per_minute or per_minute, self.api_rate_burst or burst)

    @property
    def warehouse_schema(self) -> str:
        """Warehouse schema for gold: ``analytics_<env>``, one per pull request in qa."""
        return f"analytics_qa_pr{self.pr_id}" if self.pr_id else f"analytics_{self.env}"


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (use true/false or 1/0)")


def load_settings(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Resolve the environment from ``DA_ENV`` and the Dagster+ variables.

    A Dagster+ branch deployment is qa isolated by its pull-request id. ``DA_ENV`` and a Dagster+
    deployment name that disagree, or any unknown value, raise :class:`SettingsError`.

    The steps, each reading and checking its own variables (the first bad value raises): which environment,
    its home, partitioning, the environment's resources, the API, freshness and alerts, a crash point,
    retention overrides, the LLM composer; then the environment's folder is checked to be its own.
    """
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    env, pr_id = _environment(environ)
    settings = Settings(
        env=env,
        home=_home(environ, cwd),
        pr_id=pr_id,
        **_partitioning(environ),
        **_resources(environ, env),
        **_service(environ),
        crash_at=_crash_point(environ),
        **_duckdb_limits(environ),
        **_retention_overrides(environ),
        **_llm_composer(environ),
        **_tags(environ),
    )
    problem = environment_folder_problem(settings)
    if problem:
        raise SettingsError(problem)
    return settings


def _environment(environ: Mapping[str, str]) -> tuple[Environment, str | None]:
    """``(env, pr_id)`` from ``DA_ENV`` and the Dagster+ deployment: a branch deployment is qa with its
    pull-request id, a full deployment is the environment of its name, and ``DA_ENV`` may not contradict
    either (dev when nothing is set)."""
    da_env = environ.get("DA_ENV", "").strip().lower()
    if da_env and da_env not in ENVIRONMENTS:
        raise SettingsError(f"DA_ENV={da_env!r} is not one of {', '.join(ENVIRONMENTS)}")

    is_branch = _flag("DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT", environ.get("DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT", ""))
    deployment = environ.get("DAGSTER_CLOUD_DEPLOYMENT_NAME", "").strip()
    pr_id: str | None = None
    cloud_env: Environment | None = None
    if is_branch:
        pr_id = environ.get("DAGSTER_CLOUD_PULL_REQUEST_ID", "").strip()
        if not re.fullmatch(r"[0-9]+", pr_id):
            raise SettingsError(
                "a branch deployment needs DAGSTER_CLOUD_PULL_REQUEST_ID as a number, "
                f"got {pr_id!r}: without it the deployment could not be isolated"
            )
        cloud_env = "qa"
    elif deployment:
        if deployment not in _CLOUD_DEPLOYMENTS:
            raise SettingsError(
                f"DAGSTER_CLOUD_DEPLOYMENT_NAME={deployment!r} is not a known deployment "
                f"({', '.join(_CLOUD_DEPLOYMENTS)})"
            )
        cloud_env = _CLOUD_DEPLOYMENTS[deployment]

    if cloud_env and da_env and da_env != cloud_env:
        raise SettingsError(f"DA_ENV={da_env!r} contradicts the Dagster+ deployment, which is {cloud_env!r}")
    return cloud_env or da_env or "dev", pr_id  # type: ignore[return-value]


def _home(environ: Mapping[str, str], cwd: Path) -> Path:
    """``DATALIVE_HOME`` (default ``.datalive``), relative to ``cwd`` unless absolute, links resolved."""
    home = Path(environ.get("DATALIVE_HOME", "") or ".datalive")
    if not home.is_absolute():
        home = cwd / home
    return home.resolve()


def _partitioning(environ: Mapping[str, str]) -> dict[str, Any]:
    """``partitions_start`` (``DATALIVE_PARTITIONS_START``, a date) and ``partition_grain`` (daily or
    monthly)."""
    start_raw = environ.get("DATALIVE_PARTITIONS_START", "").strip()
    try:
        start = date.fromisoformat(start_raw) if start_raw else Settings.partitions_start
    except ValueError as exc:
        raise SettingsError(f"DATALIVE_PARTITIONS_START={start_raw!r} is not a YYYY-MM-DD date") from exc

    grain = environ.get("DATALIVE_PARTITION_GRAIN", "").strip().lower() or Settings.partition_grain
    if grain not in ("daily", "monthly"):
        raise SettingsError(f"DATALIVE_PARTITION_GRAIN={grain!r} is not one of daily, monthly")
    return {"partitions_start": start, "partition_grain": grain}


def _resources(environ: Mapping[str, str], env: Environment) -> dict[str, Any]:
    """Where the environment's services are: Spark, the lake (and its KMS key outside dev), Snowflake's
    connection (never its credentials, see :data:`SNOWFLAKE_SECRETS`), Kafka, the vector store and the
    MLflow tracking servers."""
    spark_remote = environ.get("DATALIVE_SPARK_REMOTE", "").strip() or None
    if spark_remote and spark_remote != "local" and not spark_remote.startswith("sc://"):
        # The value may hold a token: name the rule, never echo it.
        raise SettingsError("DATALIVE_SPARK_REMOTE must be 'local' or a Spark Connect URL starting with sc://")

    lake_url = environ.get("DATALIVE_LAKE_URL", "").strip() or None
    if lake_url and (not re.match(r"(s3|abfss)://", lake_url) or "{zone}" not in lake_url):
        raise SettingsError(
            "DATALIVE_LAKE_URL must be an s3:// or abfss:// URL with {zone} where each zone's store differs "
            f"(a bucket or container per zone), got {lake_url!r}"
        )

    lake_kms_key_id = environ.get("DATALIVE_LAKE_KMS_KEY_ID", "").strip() or None
    if lake_url and lake_url.startswith("s3://") and env != "dev" and not lake_kms_key_id:
        raise SettingsError(
            f"{env}'s S3 lake is encrypted with the environment's own KMS key: set DATALIVE_LAKE_KMS_KEY_ID"
        )

    snowflake_port_raw = environ.get("DATALIVE_SNOWFLAKE_PORT", "").strip()
    if snowflake_port_raw and not re.fullmatch(r"[0-9]{1,5}", snowflake_port_raw):
        raise SettingsError(f"DATALIVE_SNOWFLAKE_PORT={snowflake_port_raw!r} is not a port number")
    snowflake_protocol = environ.get("DATALIVE_SNOWFLAKE_PROTOCOL", "").strip().lower() or None
    if snowflake_protocol not in (None, "https", "http"):
        raise SettingsError(f"DATALIVE_SNOWFLAKE_PROTOCOL={snowflake_protocol!r} is not https or http")

    vector_dsn = environ.get("DATALIVE_VECTOR_DSN", "").strip() or None
    if vector_dsn and not re.match(r"postgres(ql)?://", vector_dsn):
        raise SettingsError("DATALIVE_VECTOR_DSN must be a postgresql:// connection URL")

    mlflow_uris = []
    for name in ("dev", "qa", "prod"):
        uri = environ.get(f"DATALIVE_MLFLOW_URI_{name.upper()}", "").strip()
        if uri and not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", uri):
            raise SettingsError(f"DATALIVE_MLFLOW_URI_{name.upper()} must be an http(s):// tracking server URL")
        if uri:
            mlflow_uris.append((name, uri))

    return {
        "spark_remote": spark_remote,
        "lake_url": lake_url,
        "lake_kms_key_id": lake_kms_key_id,
        "snowflake_role": environ.get("DATALIVE_SNOWFLAKE_ROLE", "").strip() or None,
        "snowflake_warehouse": environ.get("DATALIVE_SNOWFLAKE_WAREHOUSE", "").strip() or None,
        "snowflake_host": environ.get("DATALIVE_SNOWFLAKE_HOST", "").strip() or None,
        "snowflake_port": int(snowflake_port_raw) if snowflake_port_raw else None,
        "snowflake_protocol": snowflake_protocol,
        "kafka_bootstrap": environ.get("DATALIVE_KAFKA_BOOTSTRAP", "").strip() or None,
        "vector_dsn": vector_dsn,
        "mlflow_uris": tuple(mlflow_uris),
    }


def _service(environ: Mapping[str, str]) -> dict[str, Any]:
    """The API's rate limit and CORS origins, the freshness window, where alerts go and the Dagster UI's
    base URL for links in them."""
    rate = _positive_int(environ, "DATALIVE_API_RATE_PER_MINUTE")
    burst = _positive_int(environ, "DATALIVE_API_BURST")
    origins = tuple(o.strip() for o in environ.get("DATALIVE_API_CORS_ORIGINS", "").split(",") if o.strip())
    for origin in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?", origin):
            raise SettingsError(f"DATALIVE_API_CORS_ORIGINS: {origin!r} is not an origin like https://host[:port]")

    freshness_window = _positive_int(environ, "DATALIVE_FRESHNESS_WINDOW_HOURS")
    webhook = environ.get("DATALIVE_ALERT_WEBHOOK_URL", "").strip() or None
    if webhook:
        _check_webhook_url(webhook)
    sns_topic = environ.get("DATALIVE_ALERT_SNS_TOPIC_ARN", "").strip() or None
    if sns_topic and not re.fullmatch(r"arn:aws[a-z\-]*:sns:[a-z0-9\-]+:[0-9]{12}:[A-Za-z0-9_\-]{1,256}", sns_topic):
        raise SettingsError(
            f"DATALIVE_ALERT_SNS_TOPIC_ARN={sns_topic!r} is not an SNS topic ARN "
            "(arn:aws:sns:<region>:<account>:<name>)"
        )
    dagster_url = environ.get("DATALIVE_DAGSTER_URL", "").strip().rstrip("/") or Settings.dagster_base_url
    if not re.fullmatch(r"https?://[^\s/?#@]+(/[^\s?#]*)?", dagster_url):
        # (it could carry credentials: the rule is named, the value is not shown)
        raise SettingsError("DATALIVE_DAGSTER_URL must be an http(s) base URL without credentials or query")
    return {
        "api_rate_per_minute": rate,
        "api_rate_burst": burst,
        "api_cors_origins": origins,
        "freshness_window_hours_override": freshness_window,
        "alert_webhook_url": webhook,
        "alert_sns_topic_arn": sns_topic,
        "dagster_base_url": dagster_url,
    }


def _crash_point(environ: Mapping[str, str]) -> str | None:
    """``DATALIVE_CRASH_AT``: the fault-injection point this process stops at, if any (one of
    :data:`~da_platform.faults.CRASH_POINTS`)."""
    crash_at = environ.get("DATALIVE_CRASH_AT", "").strip() or None
    if crash_at is not None:
        from da_platform.faults import CRASH_POINTS

        if crash_at not in CRASH_POINTS:
            raise SettingsError(f"DATALIVE_CRASH_AT={crash_at!r} is not one of {', '.join(CRASH_POINTS)}")
    return crash_at


# The embedded warehouse's share of the machine's memory. DuckDB's default, 80 %, let the dbt process reach
# 17.9 GiB on 10,000 wells x 5 years here (the hand-written DuckDB script: 7.0 GiB): on a 16 GB laptop it
# would have spilled or failed with the datalive process, a browser and an editor beside it. Above the
# limit DuckDB spills to ``<warehouse>.tmp`` instead.
DUCKDB_MEMORY_SHARE = 0.35
_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def _duckdb_limits(environ: Mapping[str, str]) -> dict[str, Any]:
    """DuckDB's memory limit and threads for the embedded warehouse: the variables if set, else
    :data:`DUCKDB_MEMORY_SHARE` of this machine's memory and the cores this process may run on."""
    memory = environ.get("DATALIVE_DUCKDB_MEMORY_LIMIT", "").strip()
    if memory and not _MEMORY_LIMIT.fullmatch(memory):
        raise SettingsError(
            f"DATALIVE_DUCKDB_MEMORY_LIMIT={memory!r} is not a size such as 6GiB or 4500MB (DuckDB's units)"
        )
    if not memory:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        memory = f"{total * DUCKDB_MEMORY_SHARE / 2**20:.0f}MiB"
    threads = _positive_int(environ, "DATALIVE_DUCKDB_THREADS") or len(os.sched_getaffinity(0))
    return {"duckdb_memory_limit": memory, "duckdb_threads": threads}


def _retention_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Retention in days that overrides the environment's default (None: the default)."""
    return {
        "vacuum_horizon_days": _positive_int(environ, "DATALIVE_VACUUM_HORIZON_DAYS"),
        "mlflow_run_retention_days": _positive_int(environ, "DATALIVE_MLFLOW_RUN_RETENTION_DAYS"),
        "quarantine_retention_days": _positive_int(environ, "DATALIVE_QUARANTINE_RETENTION_DAYS"),
    }


def _llm_composer(environ: Mapping[str, str]) -> dict[str, Any]:
    """The optional LLM composer of explanations; its API key is the one secret Settings holds (out of its
    repr)."""
    return {
        "llm_base_url": environ.get("DATALIVE_LLM_BASE_URL", "").strip() or None,
        "llm_model": environ.get("DATALIVE_LLM_MODEL", "").strip() or None,
        "llm_api_key": environ.get("DATALIVE_LLM_API_KEY", "").strip() or None,
    }


def _tags(environ: Mapping[str, str]) -> dict[str, Any]:
    """Region, owner and cost centre the environment's resources are tagged with."""
    return {
        "region": environ.get("DATALIVE_REGION", "") or Settings.region,
        "owner": environ.get("DATALIVE_OWNER", "") or Settings.owner,
        "cost_center": environ.get("DATALIVE_COST_CENTER", "") or Settings.cost_center,
    }


def environment_folder_problem(settings: Settings) -> str | None:
    """Why the environment's folder must not be used, or None when it is its own.

    ``<home>/qa`` linked to ``<home>/prod`` would make every qa write land in prod's folder (a pull
    request's ``qa/pr-5/`` would be created as ``prod/pr-5/`` before any resource noticed). So the folder,
    links followed, must still end in the environment's own name (``.../qa/pr-5``) and must not lie inside
    another environment's folder of this home. A link to a folder of the same name elsewhere (``<home>/prod``
    → ``/mnt/big/prod``) is fine. Only reads the file system: nothing is created.
    """
    home = settings.home.resolve()
    folder = settings.env_root.resolve()
    key = tuple(settings.isolation_key.split("/"))
    others = [home / name for name in ENVIRONMENTS if name != settings.env]
    inside = next((other for other in others if folder == other or other in folder.parents), None)
    if folder.parts[-len(key) :] == key and inside is None:
        return None
    whose = f", inside {inside.name}'s folder" if inside is not None else ""
    return (
        f"the {settings.isolation_key} environment's folder {settings.env_root} resolves to {folder}{whose}; "
        f"refusing to use it (remove the link, or give {settings.isolation_key} a folder of its own)"
    )


def _check_webhook_url(url: str) -> None:
    """An alert webhook is https (http only to this machine), with a host and no spaces. The URL usually
    carries the channel's token, so errors name the rule, never the value."""
    match = re.fullmatch(r"(https?)://([^\s/?#@]+)(/[^\s]*)?", url)
    if not match:
        raise SettingsError("DATALIVE_ALERT_WEBHOOK_URL is not an http(s) URL with a host (value not shown)")
    scheme, host = match.group(1), match.group(2)
    hostname = host if host.startswith("[") else host.rsplit(":", 1)[0]
    if scheme == "http" and hostname not in _LOOPBACK_HOSTS:
        raise SettingsError(
            "DATALIVE_ALERT_WEBHOOK_URL must use https (plain http only to 127.0.0.1 or localhost; value not shown)"
        )


def _positive_int(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[1-9][0-9]{0,8}", raw):
        raise SettingsError(f"{name}={raw!r} is not a positive whole number")
    return int(raw)


# Dagster writes one "planned" event per partition and asset unless told it may write one per asset
# with the partition subset; the per-partition form cost minutes on long backfills here.
_DAGSTER_PROCESS_DEFAULTS = {
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
    # ...and stores a range run's materializations of one output (a dbt model over 60 monthly partitions)
    # in one transaction per database rather than one per event (defs/event_log_private.py).
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    # MLflow's tqdm bar per artifact download is noise in `datalive run` (issue 24).
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}


def variables_present(names: tuple[str, ...], environ: Mapping[str, str] | None = None) -> dict[str, bool]:
    """Whether each variable is set and non-empty. Only presence leaves this module, never a value, so
    a readiness report can name a missing secret without any code path that could print one."""
    environ = os.environ if environ is None else environ
    return {name: bool(environ.get(name, "").strip()) for name in names}


def snowflake_credentials(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Account, user and password for a Snowflake connection opened outside Dagster (CLI, API): the same
    variables dbt's profile and the Dagster resource read. Values go straight to the connector; raises
    naming (never showing) what is missing."""
    environ = os.environ if environ is None else environ
    names = dict(zip(("account", "user", "password"), SNOWFLAKE_SECRETS, strict=True))
    missing = [name for name in names.values() if not environ.get(name, "").strip()]
    if missing:
        raise SettingsError(f"Snowflake needs {', '.join(missing)} in the environment")
    return {key: environ[name].strip() for key, name in names.items()}


def apply_process_defaults() -> None:
    """Set the process-wide Dagster/dbt switches the CLI relies on (explicit values win)."""
    for name, value in _DAGSTER_PROCESS_DEFAULTS.items():
        os.environ.setdefault(name, value)


def quiet_library_logging() -> None:
    """MLflow configures its own loggers from MLFLOW_LOGGING_LEVEL when it is imported: errors only, unless
    the caller (or `datalive run --verbose`, which does not call this) says otherwise."""
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")


@contextmanager
def dbt_variables(variables: Mapping[str, str]) -> Iterator[None]:
    """Set the variables profiles.yml reads (the DuckDB path, the Snowflake schema and endpoint) for one dbt
    call only, restoring what was there before."""
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# Settings fields that may hold a secret (a password in a DSN, a token in a URL), with the variable each
# comes from. They are never serialized: a Dagster resource receives them as ``EnvVar`` of that variable,
# so they stay out of run config and the UI.
SECRET_FIELDS: dict[str, str] = {
    "spark_remote": "DATALIVE_SPARK_REMOTE",
    "vector_dsn": "DATALIVE_VECTOR_DSN",
    "llm_api_key": "DATALIVE_LLM_API_KEY",
    "alert_webhook_url": "DATALIVE_ALERT_WEBHOOK_URL",
}


def settings_to_json(settings: Settings) -> str:
    """Every non-secret field of ``settings`` as JSON, for resource config (secrets: :data:`SECRET_FIELDS`)."""
    import json
    from dataclasses import fields

    data: dict[str, object] = {}
    for item in fields(Settings):
        if item.name in SECRET_FIELDS:
            continue
        value = getattr(settings, item.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        data[item.name] = value
    return json.dumps(data, sort_keys=True)


def settings_from_json(text: str, secrets: Mapping[str, str | None]) -> Settings:
    """The :class:`Settings` that :func:`settings_to_json` wrote, with the secret fields from ``secrets``
    (empty values are None). Inverse of :func:`settings_to_json`: nothing is re-read or dropped."""
    import json

    data = json.loads(text)
    misplaced = (set(secrets) - set(SECRET_FIELDS)) | (set(data) & set(SECRET_FIELDS))
    if misplaced:
        raise SettingsError(f"serialized settings mix secret and plain fields: {', '.join(sorted(misplaced))}")
    data["home"] = Path(data["home"])
    data["partitions_start"] = date.fromisoformat(data["partitions_start"])
    data["mlflow_uris"] = tuple(tuple(pair) for pair in data["mlflow_uris"])
    data["api_cors_origins"] = tuple(data["api_cors_origins"])
    return Settings(**data, **{name: (value or "").strip() or None for name, value in secrets.items()})
