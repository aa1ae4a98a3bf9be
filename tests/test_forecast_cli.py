"""`datalive forecast`, `backtest` and `models promote` on six real Volve months built through the pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from da_platform.cli import main
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import make_landing


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("forecast")
    landing = make_landing(root, "2015-10-01", "2016-03-31")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
        yield root / "home"


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    return home


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_forecast_json_gives_ordered_bands_from_the_day_after_the_last_landed_day(env, capsys) -> None:
    payload = run_json(capsys, ["forecast", "--well", "15/9-F-14", "--horizon-days", "30", "--json"])
    assert set(payload) >= {"well", "product", "model", "run_id", "points"}
    assert payload["well"] == "15/9-F-14"
    assert payload["product"] == "oil"
    assert len(payload["points"]) == 30
    assert payload["points"][0]["date"] == "2016-04-01"
    for point in payload["points"]:
        assert 0 <= point["p10"] <= point["p50"] <= point["p90"]


def test_forecast_json_gives_the_calendar_day_volume_band_as_rate_times_uptime(env, capsys) -> None:
    payload = run_json(capsys, ["forecast", "--well", "15/9-F-14", "--horizon-days", "10", "--json"])
    for point in payload["points"]:
        assert 0 <= point["uptime"] <= 1
        assert 0 <= point["volume_p10"] <= point["volume_p50"] <= point["volume_p90"]
        # uptime <= 1 on every draw, so each volume quantile is at most the same rate quantile
        assert all(point[f"volume_p{q}"] <= point[f"p{q}"] + 1e-9 for q in (10, 50, 90))
    assert any(p["volume_p50"] > 0 for p in payload["points"])


def test_backtest_monthly_json_scores_sodir_fields_against_the_monthly_benchmarks(env, capsys) -> None:
    rows = run_json(capsys, ["backtest", "--monthly", "--json", "--fields", "3"])
    assert {r["horizon_months"] for r in rows} == {3, 6, 12}
    assert {r["source"] for r in rows} == {"sodir"}  # six months of silver are too short for a well's backtest
    assert {"selected", "naive", "auto_ets", "arps_hyperbolic"} <= {r["model"] for r in rows}
    metrics = {r["metric"] for r in rows}
    assert {"mase", "mase_seasonal", "coverage_p10_p90", "ahead_of_naive"} <= metrics


def test_backtest_monthly_of_a_young_field_only_says_the_history_is_too_short(env, capsys) -> None:
    capsys.readouterr()
    assert main(["backtest", "--monthly", "--fields", "1"]) == 1  # 16/1-12 Troldhaugen: months from 2021
    assert "insufficient history for a monthly backtest" in capsys.readouterr().err


def test_forecast_of_an_injector_is_refused_with_a_reason(env, capsys) -> None:
    capsys.readouterr()
    assert main(["forecast", "--well", "15/9-F-4"]) == 2
    assert "15/9-F-4" in capsys.readouterr().err


def test_forecast_of_an_unknown_well_names_the_wells_that_exist(env, capsys) -> None:
    capsys.readouterr()
    assert main(["forecast", "--well", "15/9-F-99"]) == 2
    assert "15/9-F-14" in capsys.readouterr().err


def test_forecast_plot_writes_a_png_fan_chart(env, tmp_path) -> None:
    target = tmp_path / "fan.png"
    assert main(["forecast", "--well", "15/9-F-14", "--plot", str(target)]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_backtest_json_lists_metrics_and_registers_a_champion(env, capsys) -> None:
    rows = run_json(capsys, ["backtest", "--json"])
    assert rows
    assert all(set(r) >= {"model", "horizon_days", "metric", "value", "windows", "beats_naive_share"} for r in rows)
    assert {r["horizon_days"] for r in rows} == {30, 90}
    # the statistical peers sit beside the policy in every CLI run, and the well-weighted mean beside the window mean
    assert {"dotm", "log_arima", "scum", "selected"} <= {r["model"] for r in rows}
    assert {r["model"] for r in rows if r["metric"] == "mase_well_mean"} >= {"selected", "scum"}
    payload = run_json(capsys, ["forecast", "--well", "15/9-F-14", "--json"])
    assert payload["model_version"] == "1"
    assert payload["run_id"]


def test_promoting_the_champion_to_qa_registers_it_there(env, capsys) -> None:
    run_json(capsys, ["backtest", "--json", "--no-peers"])
    assert main(["models", "promote", "--to", "qa"]) == 0
    assert (env / "qa" / "mlflow").is_dir()


def test_forecast_job_writes_forecasts_for_every_producing_well_and_product(env) -> None:
    import dagster as dg
    import polars as pl

    from da_platform.definitions import build_definitions
    from da_platform.env import load_settings
    from da_platform.lakehouse.delta_lake import LocalLake

    settings = load_settings()
    job = build_definitions(settings).resolve_job_def("forecast_job")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    table = LocalLake(settings.lake_root, settings.isolation_key).read("forecast/well_daily_forecasts")
    wells = set(table["well_id"].unique().to_list())
    assert {"15/9-F-14", "15/9-F-11"} <= wells
    assert "15/9-F-4" not in wells  # an injector gets no production forecast
    assert set(table["product"].unique().to_list()) == {"oil", "gas", "water"}
    assert table.filter(pl.col("p10") > pl.col("p90")).height == 0
    charts = result.asset_materializations_for_node("forecast__well_daily_forecasts")[0].metadata["fan_charts"].value
    assert "data:image/png;base64," in charts
    monthly = LocalLake(settings.lake_root, settings.isolation_key).read("forecast/monthly_forecasts")
    assert set(monthly.filter(pl.col("level") == "field")["series_id"].to_list()) == {"VOLVE"}
    assert {"15/9-F-14", "15/9-F-11"} <= set(monthly.filter(pl.col("level") == "well")["series_id"].to_list())
