"""A young record (two Volve months) has nothing to backtest: the daily job goes on, nothing is registered."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from da_platform.cli import main
from da_platform.defs.forecast.assets import backtest_metrics
from da_platform.defs.resources import build_resources
from da_platform.env import load_settings
from da_platform.forecast.tracking import champion
from tests.helpers import make_landing


def test_backtest_on_two_months_succeeds_without_registering_a_policy(
    tmp_path: Path, isolated_env: Path, dbt_manifest: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    assert (
        main(["run", "--only", "lakehouse", "--landing", str(make_landing(tmp_path, "2014-04-01", "2014-05-31"))]) == 0
    )
    resources = build_resources(load_settings({"DATALIVE_HOME": str(isolated_env)}))

    result = dg.materialize(
        [backtest_metrics], resources={"lake": resources["lake"], "registry": resources["registry"]}
    )
    assert result.success
    metadata = result.asset_materializations_for_node("forecast__backtest_metrics")[0].metadata
    assert metadata["registered"].value is False
    assert "insufficient history" in metadata["status"].value
    assert champion(resources["registry"].target()) is None

    capsys.readouterr()
    assert main(["backtest", "--json"]) == 1
    assert "insufficient history for a backtest" in capsys.readouterr().err
