"""End to end through Dagster and dbt: `datalive run` on two real Volve months, then status and report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from da_platform.cli import main
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import gold_table, make_landing, status

FIRST, LAST = "2014-04-01", "2014-05-31"


@pytest.fixture(scope="module")
def run_home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[tuple[Path, Path]]:
    """One environment home with the two months landed and built once for the whole module."""
    root = tmp_path_factory.mktemp("pipeline")
    landing = make_landing(root, FIRST, LAST)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
        yield root / "home", landing


def landed_rows(landing: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in (landing / "daily").iterdir())


def test_every_landed_row_ends_in_silver_or_quarantine(run_home, capsys, monkeypatch) -> None:
    home, landing = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    layers = status(capsys)["layers"]
    rows = landed_rows(landing)
    assert layers["bronze"]["rows"] == rows
    assert layers["silver"]["rows"] + layers["quarantine"]["rows"] == rows
    assert layers["raw"]["rows"] == 3
    assert layers["gold"]["rows"] == layers["silver"]["tables"]["well_day_production"]


def test_status_lists_latest_check_results(run_home, capsys, monkeypatch) -> None:
    home, _ = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    checks = status(capsys)["checks"]
    by_name = {(c["asset"], c["name"]): c for c in checks}
    reconciliation = by_name[("gold/fct_well_monthly_production", "monthly_oil_reconciles_with_reported")]
    assert reconciliation == reconciliation | {"passed": True, "severity": "ERROR"}
    assert all(set(c) >= {"asset", "name", "passed", "severity"} for c in checks)
    assert not [c for c in checks if c["passed"] is False]


def test_status_reports_each_layer_freshness_against_the_environment_window(run_home, capsys, monkeypatch) -> None:
    home, _ = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    monkeypatch.setenv("DATALIVE_FRESHNESS_WINDOW_HOURS", "30")
    freshness = status(capsys)["freshness"]
    assert set(freshness) == {"silver", "gold"}
    for layer in ("silver", "gold"):
        assert freshness[layer]["newest_day"] == LAST and freshness[layer]["window_hours"] == 30
        assert freshness[layer]["fresh"] is False and freshness[layer]["overdue_hours"] > 24 * 365  # Volve is history
        assert freshness[layer]["check"] is None  # the freshness sensor has not evaluated it yet


def test_gold_well_day_volumes_equal_the_landed_report(run_home) -> None:
    home, landing = run_home
    gold = gold_table(home, "gold.fct_well_daily_production").filter(
        (pl.col("well_id") == "15/9-F-11") & (pl.col("production_date") == pl.date(2014, 5, 14))
    )
    source = pl.read_csv(next((landing / "daily").iterdir()), infer_schema_length=0).filter(
        (pl.col("NPD_WELL_BORE_NAME") == "15/9-F-11") & (pl.col("DATEPRD") == "2014-05-14")
    )
    assert gold["oil_sm3"].item() == pytest.approx(float(source["BORE_OIL_VOL"].item()))
    assert gold["gas_sm3"].item() == pytest.approx(float(source["BORE_GAS_VOL"].item()))


def test_landing_the_same_files_again_changes_nothing(run_home, capsys, monkeypatch) -> None:
    home, landing = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    before = status(capsys)["layers"]
    silver_before = gold_table(home, "silver.well_day_production").sort("well_id", "production_date")
    assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
    assert status(capsys)["layers"] == before
    assert gold_table(home, "silver.well_day_production").sort("well_id", "production_date").equals(silver_before)


def test_rebuilding_every_partition_gives_identical_tables(run_home, monkeypatch) -> None:
    home, landing = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    keys = ["well_id", "production_date"]
    before = gold_table(home, "gold.fct_well_daily_production").sort(keys)
    assert main(["run", "--only", "lakehouse", "--landing", str(landing), "--full"]) == 0
    after = gold_table(home, "gold.fct_well_daily_production").sort(keys)
    assert after.height == before.height
    assert after.equals(before)


def test_report_json_ranks_wells_and_totals_the_field(run_home, capsys, monkeypatch) -> None:
    home, _ = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    capsys.readouterr()
    assert main(["report", "--date", "2014-05-14", "--field", "VOLVE", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    oils = [w["oil_sm3"] for w in report["wells"]]
    assert oils == sorted(oils, reverse=True)
    assert report["fields"][0]["oil_sm3"] == pytest.approx(sum(oils))
    assert {i["well_id"] for i in report["injectors"]} == {"15/9-F-4", "15/9-F-5"}


def test_report_for_a_day_without_data_says_so(run_home, capsys, monkeypatch) -> None:
    home, _ = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    capsys.readouterr()
    assert main(["report", "--date", "2001-01-01"]) == 3
    assert "no production reported" in capsys.readouterr().out


def test_daily_partitions_build_the_same_gold_as_monthly_ones(run_home, tmp_path, monkeypatch) -> None:
    home, landing = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(tmp_path / "daily-home"))
    monkeypatch.setenv("DATALIVE_PARTITION_GRAIN", "daily")
    assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
    keys = ["well_id", "production_date"]
    daily = gold_table(tmp_path / "daily-home", "gold.fct_well_daily_production").sort(keys)
    monthly = gold_table(home, "gold.fct_well_daily_production").sort(keys)
    assert daily.height == monthly.height > 0
    assert daily.equals(monthly)
