"""Dagster resources carry the one ``Settings`` of the process whole: nothing re-read, trimmed or leaked."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from da_platform.defs.resources import build_resources
from da_platform.env import SECRET_FIELDS, SettingsError, load_settings, settings_from_json, settings_to_json

SECRETS = {
    "DATALIVE_VECTOR_DSN": "postgresql://rag:pw-vector-123@db.internal:5432/rag",
    "DATALIVE_SPARK_REMOTE": "sc://spark.internal:15002/;token=tok-spark-456",
    "DATALIVE_LLM_API_KEY": "sk-llm-789",
    "DATALIVE_ALERT_WEBHOOK_URL": "https://hooks.example.com/services/tok-hook-000",
}


def _qa_environ(home: Path) -> dict[str, str]:
    """A qa branch deployment with every kind of setting set, secrets included."""
    return {
        "DATALIVE_HOME": str(home),
        "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
        "DAGSTER_CLOUD_PULL_REQUEST_ID": "41",
        "DATALIVE_PARTITIONS_START": "2016-01-01",
        "DATALIVE_PARTITION_GRAIN": "daily",
        "DATALIVE_LAKE_URL": "s3://datalive-qa-{zone}",
        "DATALIVE_LAKE_KMS_KEY_ID": "arn:aws:kms:eu-north-1:123456789012:key/qa",
        "DATALIVE_SNOWFLAKE_ROLE": "DATALIVE_QA",
        "DATALIVE_SNOWFLAKE_WAREHOUSE": "WH_QA",
        "DATALIVE_SNOWFLAKE_HOST": "snowflake.internal",
        "DATALIVE_SNOWFLAKE_PORT": "8443",
        "DATALIVE_MLFLOW_URI_QA": "http://mlflow.internal:5000",
        "DATALIVE_LLM_BASE_URL": "http://llm.internal/v1",
        "DATALIVE_API_CORS_ORIGINS": "https://dash.example.com",
        "DATALIVE_API_BURST": "7",
        **SECRETS,
    }


def test_the_rag_resource_gives_back_every_setting_including_the_vector_dsn_and_lake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = _qa_environ(tmp_path / "home")
    for name, value in environ.items():  # EnvVar resolves from the process environment at run time
        monkeypatch.setenv(name, value)
    settings = load_settings(environ)
    with dg.build_resources({"rag": build_resources(settings)["rag"]}) as resources:
        rebuilt = resources.rag.settings()
    assert rebuilt == settings
    assert rebuilt.vector_dsn == SECRETS["DATALIVE_VECTOR_DSN"] and rebuilt.lake_url == "s3://datalive-qa-{zone}"


def test_the_rag_resource_config_holds_no_secret_value(tmp_path: Path) -> None:
    settings = load_settings(_qa_environ(tmp_path / "home"))
    resource = build_resources(settings)["rag"]
    shown = settings_to_json(settings) + repr(resource)
    for secret in ("pw-vector-123", "tok-spark-456", "sk-llm-789", "tok-hook-000"):
        assert secret not in shown
    assert {getattr(resource, name).env_var_name for name in SECRET_FIELDS} == set(SECRETS)


def test_a_dev_setup_without_secrets_round_trips_without_env_vars(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path / "home")})
    with dg.build_resources({"rag": build_resources(settings)["rag"]}) as resources:
        assert resources.rag.settings() == settings


def test_serialized_settings_refuse_a_secret_among_the_plain_fields(tmp_path: Path) -> None:
    text = settings_to_json(load_settings({"DATALIVE_HOME": str(tmp_path / "home")}))
    with pytest.raises(SettingsError, match="vector_dsn"):
        settings_from_json(text.replace('{"', '{"vector_dsn": "postgresql://x", "', 1), {})
