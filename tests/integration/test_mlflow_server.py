"""Forecast policies tracked, registered and promoted on MLflow tracking servers, one per environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from da_platform.cleanup import drop_branch
from da_platform.defs.resources import registry_resource
from da_platform.doctor import run_checks
from da_platform.env import load_settings
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.tracking import (
    PromotionRefused,
    champion,
    load_champion_config,
    log_candidate,
    promote,
    set_champion,
)
from tests.integration.mlflow_server import mlflow_server
from tests.unit.forecast.test_tracking import metrics_table

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One tracking server per environment, as the plan isolates registries."""
    root = tmp_path_factory.mktemp("mlflow")
    with mlflow_server(root / "dev") as dev, mlflow_server(root / "qa") as qa, mlflow_server(root / "prod") as prod:
        yield {"DATALIVE_MLFLOW_URI_DEV": dev, "DATALIVE_MLFLOW_URI_QA": qa, "DATALIVE_MLFLOW_URI_PROD": prod}


@pytest.fixture(autouse=True)
def quiet_mlflow(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        monkeypatch.delenv(name, raising=False)


def _target(servers: dict[str, str], home: Path, **environ: str):
    return registry_resource(load_settings({"DATALIVE_HOME": str(home), **servers, **environ})).target()


def test_a_policy_is_logged_on_the_dev_server_and_promoted_to_the_prod_server(
    servers: dict[str, str], tmp_path: Path
) -> None:
    dev, prod = _target(servers, tmp_path), _target(servers, tmp_path, DA_ENV="prod")
    assert dev.tracking_uri == servers["DATALIVE_MLFLOW_URI_DEV"]
    assert prod.tracking_uri == servers["DATALIVE_MLFLOW_URI_PROD"]
    config = ForecastConfig(inner_origins=4, inner_spacing=20)
    good = log_candidate(dev, config, metrics_table(1.0, 1.4))
    set_champion(dev, good.version)

    promotion = promote(dev, prod)
    assert champion(prod).run_id == promotion.target_run_id
    assert load_champion_config(prod) == config  # the model's artifacts came through the prod server
    assert not (tmp_path / "dev" / "mlflow").exists()  # nothing fell back to a local store

    worse = log_candidate(dev, config, metrics_table(1.3, 1.9))
    with pytest.raises(PromotionRefused, match="mase"):
        promote(dev, prod, worse.version)
    assert champion(prod).run_id == promotion.target_run_id


def test_a_pull_request_on_the_qa_server_has_its_own_model_and_closing_it_drops_them(
    servers: dict[str, str], tmp_path: Path
) -> None:
    pr = {"DA_ENV": "qa", "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1", "DAGSTER_CLOUD_PULL_REQUEST_ID": "21"}
    qa, branch = _target(servers, tmp_path, DA_ENV="qa"), _target(servers, tmp_path, **pr)
    assert branch.model_name != qa.model_name and branch.experiment != qa.experiment
    config = ForecastConfig(inner_origins=4, inner_spacing=20)
    set_champion(qa, log_candidate(qa, config, metrics_table(1.0, 1.4)).version)
    set_champion(branch, log_candidate(branch, config, metrics_table(1.2, 1.6)).version)

    settings = load_settings({"DATALIVE_HOME": str(tmp_path), **servers, **pr})
    registry = {c.name: c for c in run_checks(settings, {})}["model registry"]
    assert registry.ok and "MLflow server answers" in registry.detail

    drop_branch(settings)
    client = MlflowClient(tracking_uri=servers["DATALIVE_MLFLOW_URI_QA"])
    assert champion(branch) is None
    assert client.get_experiment_by_name(branch.experiment).lifecycle_stage == "deleted"
    assert champion(qa) is not None  # qa's own champion is untouched
