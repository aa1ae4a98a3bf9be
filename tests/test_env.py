"""The environment decision: one function, explicit inputs, loud failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from da_platform.env import SettingsError, _environment, _home, load_settings


def test_defaults_to_dev_under_dot_datalive(tmp_path: Path) -> None:
    settings = load_settings({}, cwd=tmp_path)
    assert settings.env == "dev"
    assert settings.home == (tmp_path / ".datalive").resolve()
    assert settings.lake_root == settings.home / "dev" / "lake"


def test_da_env_selects_prod_and_its_own_roots(tmp_path: Path) -> None:
    settings = load_settings({"DA_ENV": "prod", "DATALIVE_HOME": str(tmp_path)}, cwd=tmp_path)
    assert settings.env == "prod"
    assert settings.env_root == tmp_path.resolve() / "prod"
    assert settings.warehouse_schema == "analytics_prod"
    assert settings.dbt_target == "prod"


def test_unknown_da_env_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DA_ENV='staging' is not one of dev, qa, prod"):
        load_settings({"DA_ENV": "staging"}, cwd=tmp_path)


def test_branch_deployment_is_qa_isolated_by_pull_request(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": "123",
            "DAGSTER_CLOUD_DEPLOYMENT_NAME": "pr-123",
            "DATALIVE_HOME": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert settings.env == "qa"
    assert settings.isolation_key == "qa/pr-123"
    assert settings.lake_root == tmp_path.resolve() / "qa" / "pr-123" / "lake"
    assert settings.warehouse_schema == "analytics_qa_pr123"


def test_branch_deployment_without_pull_request_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DAGSTER_CLOUD_PULL_REQUEST_ID"):
        load_settings({"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "true"}, cwd=tmp_path)


def test_dagster_cloud_prod_deployment_is_prod(tmp_path: Path) -> None:
    assert load_settings({"DAGSTER_CLOUD_DEPLOYMENT_NAME": "prod"}, cwd=tmp_path).env == "prod"


def test_unknown_dagster_cloud_deployment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not a known deployment"):
        load_settings({"DAGSTER_CLOUD_DEPLOYMENT_NAME": "sandbox"}, cwd=tmp_path)


def test_da_env_contradicting_dagster_cloud_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="contradicts"):
        load_settings({"DA_ENV": "dev", "DAGSTER_CLOUD_DEPLOYMENT_NAME": "prod"}, cwd=tmp_path)


def test_non_boolean_branch_flag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not a boolean"):
        load_settings({"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "maybe"}, cwd=tmp_path)


def test_settings_are_immutable(tmp_path: Path) -> None:
    settings = load_settings({}, cwd=tmp_path)
    with pytest.raises(AttributeError):
        settings.env = "prod"  # type: ignore[misc]


def test_partition_grain_defaults_to_monthly_and_accepts_daily(tmp_path: Path) -> None:
    assert load_settings({}, cwd=tmp_path).partition_grain == "monthly"
    assert load_settings({"DATALIVE_PARTITION_GRAIN": "daily"}, cwd=tmp_path).partition_grain == "daily"


def test_unknown_partition_grain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATALIVE_PARTITION_GRAIN='weekly'"):
        load_settings({"DATALIVE_PARTITION_GRAIN": "weekly"}, cwd=tmp_path)


def test_the_test_only_crash_point_is_off_unless_set_and_must_name_a_phase(tmp_path: Path) -> None:
    assert load_settings({}, cwd=tmp_path).crash_at is None
    assert load_settings({"DATALIVE_CRASH_AT": "in_silver"}, cwd=tmp_path).crash_at == "in_silver"
    with pytest.raises(SettingsError, match="DATALIVE_CRASH_AT='in_gold'"):
        load_settings({"DATALIVE_CRASH_AT": "in_gold"}, cwd=tmp_path)


def test_the_environment_step_maps_deployments_and_da_env_to_an_environment_and_pull_request() -> None:
    assert _environment({}) == ("dev", None)
    assert _environment({"DA_ENV": "Prod "}) == ("prod", None)
    assert _environment({"DAGSTER_CLOUD_DEPLOYMENT_NAME": "qa"}) == ("qa", None)
    assert _environment({"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "true", "DAGSTER_CLOUD_PULL_REQUEST_ID": "7"}) == (
        "qa",
        "7",
    )


def test_the_home_step_resolves_a_relative_home_against_the_working_folder(tmp_path: Path) -> None:
    assert _home({"DATALIVE_HOME": "state"}, tmp_path) == (tmp_path / "state").resolve()
    assert _home({}, tmp_path) == (tmp_path / ".datalive").resolve()
    assert _home({"DATALIVE_HOME": str(tmp_path / "abs")}, tmp_path / "elsewhere") == (tmp_path / "abs").resolve()


@pytest.mark.parametrize(
    ("bad", "reported"),
    [
        ({"DA_ENV": "staging", "DATALIVE_LAKE_URL": "ftp://x"}, "DA_ENV='staging'"),
        ({"DATALIVE_PARTITION_GRAIN": "weekly", "DATALIVE_VECTOR_DSN": "mysql://x"}, "DATALIVE_PARTITION_GRAIN"),
        ({"DATALIVE_VECTOR_DSN": "mysql://x", "DATALIVE_API_BURST": "0"}, "DATALIVE_VECTOR_DSN"),
        ({"DATALIVE_CRASH_AT": "nowhere", "DATALIVE_VACUUM_HORIZON_DAYS": "0"}, "DATALIVE_CRASH_AT"),
    ],
)
def test_of_two_bad_variables_the_one_of_the_earlier_step_is_reported(
    tmp_path: Path, bad: dict[str, str], reported: str
) -> None:
    with pytest.raises(SettingsError, match=reported):
        load_settings({"DATALIVE_HOME": str(tmp_path), **bad}, cwd=tmp_path)
