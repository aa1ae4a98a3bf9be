"""End to end through Dagster and dbt: `datalive run` on two real Volve months, then status and report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from da_platform.cli import main
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import make_landing

FIRST, LAST = "2014-04-01", "2014-05-31"
ENV_NAMES = (
    "DA_ENV",
    "DAGSTER_CLOUD_DEPLOYMENT_NAME",
    "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT",
    "DAGSTER_CLOUD_PULL_REQUEST_ID",
)


@pytest.fixture(scope="module")
def run_home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[tuple[Path, Path]]:
    """One environment home with the two months landed and built once for the whole module."""
    root = tmp_path_factory.mktemp("pipeline")
    landing = make_landing(root, FIRST, LAST)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        assert main(["run", "--landing", str(landing)]) == 0
        yield root / "home", landing


def status(capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def gold_table(home: Path, table: str) -> pl.DataFrame:
    with duckdb.connect(str(home / "dev" / "warehouse" / "datalive_dev.duckdb"), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table}").pl()


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
    assert main(["run", "--landing", str(landing)]) == 0
    assert status(capsys)["layers"] == before
    assert gold_table(home, "silver.well_day_production").sort("well_id", "production_date").equals(silver_before)


def test_rebuilding_every_partition_gives_identical_tables(run_home, monkeypatch) -> None:
    home, landing = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    keys = ["well_id", "production_date"]
    before = gold_table(home, "gold.fct_well_daily_production").sort(keys)
    assert main(["run", "--landing", str(landing), "--full"]) == 0
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


def test_reconciliation_check_fails_on_a_tampered_monthly_sheet(tmp_path, isolated_env, capsys) -> None:
    landing = make_landing(tmp_path, "2014-05-01", "2014-05-31")
    sheet = landing / "monthly" / "volve_monthly_production.csv"
    lines = sheet.read_text(encoding="utf-8").splitlines(keepends=True)
    # 15/9-F-11 reported 2014-05 oil, inflated by 1,000 Sm3: no quarantined row can explain it.
    index = next(i for i, line in enumerate(lines) if line.startswith("15/9-F-11,7078.0,2014,5,"))
    fields = lines[index].split(",")
    fields[5] = f"{float(fields[5]) + 1000:.2f}"
    lines[index] = ",".join(fields)
    sheet.write_text("".join(lines), encoding="utf-8")

    assert main(["run", "--landing", str(landing)]) == 1
    checks = {c["name"]: c for c in status(capsys)["checks"]}
    assert checks["monthly_oil_reconciles_with_reported"]["passed"] is False


def test_rows_breaking_rules_are_quarantined_end_to_end(tmp_path, isolated_env, capsys) -> None:
    landing = make_landing(tmp_path, "2014-05-01", "2014-05-31")
    header = (landing / "daily").joinpath("volve_2014-05-01_2014-05-31.csv").read_text(encoding="utf-8").splitlines()[0]
    typo = (
        "2014-05-02,NO 15/9-F-99 H,9999,15/9-F-99,3420717,VOLVE,369304,MÆRSK INSPIRER,"
        "24,,,,,,,,,,10,10,10,,production,OP"
    )
    (landing / "daily" / "late_report.csv").write_text(f"{header}\n{typo}\n", encoding="utf-8")
    (landing / "daily" / "broken.csv").write_text(
        "DATEPRD,WELL_BORE_CODE\n2014-05-02,NO 15/9-F-11 H\n", encoding="utf-8"
    )

    assert main(["run", "--landing", str(landing)]) == 0  # dev: a rejected file warns, it does not fail the run
    by_rule = status(capsys)["layers"]["quarantine"]["by_rule"]
    assert by_rule["WELL_UNKNOWN"] == 1
    assert by_rule["FILE_MISSING_COLUMN"] == 1


def test_daily_partitions_build_the_same_gold_as_monthly_ones(run_home, tmp_path, monkeypatch) -> None:
    home, landing = run_home
    monkeypatch.setenv("DATALIVE_HOME", str(tmp_path / "daily-home"))
    monkeypatch.setenv("DATALIVE_PARTITION_GRAIN", "daily")
    assert main(["run", "--landing", str(landing)]) == 0
    keys = ["well_id", "production_date"]
    daily = gold_table(tmp_path / "daily-home", "gold.fct_well_daily_production").sort(keys)
    monthly = gold_table(home, "gold.fct_well_daily_production").sort(keys)
    assert daily.height == monthly.height > 0
    assert daily.equals(monthly)


def test_a_corrected_register_reconforms_rows_it_had_quarantined(tmp_path, isolated_env, capsys) -> None:
    landing = make_landing(tmp_path, "2014-05-01", "2014-05-31")
    register = landing / "reference" / "well_register.csv"
    original = register.read_text(encoding="utf-8")
    without_f11 = "".join(line for line in original.splitlines(keepends=True) if not line.startswith("15/9-F-11,"))
    register.write_text(without_f11, encoding="utf-8")
    main(["run", "--landing", str(landing)])
    quarantined = status(capsys)["layers"]["quarantine"]["by_rule"].get("WELL_UNKNOWN", 0)
    assert quarantined == 31  # every May day of 15/9-F-11

    register.write_text(original, encoding="utf-8")  # the operator lands the corrected register
    assert main(["run", "--landing", str(landing)]) == 0
    layers = status(capsys)["layers"]
    assert "WELL_UNKNOWN" not in layers["quarantine"]["by_rule"]
    assert layers["raw"]["rows"] == 4  # both register versions are kept in raw


def test_the_latest_landed_version_of_a_report_wins_even_when_it_reverts(tmp_path, isolated_env) -> None:
    landing = make_landing(tmp_path, "2014-05-01", "2014-05-31")
    report = landing / "daily" / "volve_2014-05-01_2014-05-31.csv"
    original = report.read_text(encoding="utf-8")
    line = next(x for x in original.splitlines() if x.startswith("2014-05-14,NO 15/9-F-11 H"))
    fields = line.split(",")
    fields[18] = "1234.5"  # BORE_OIL_VOL in a corrected report
    corrected = original.replace(line, ",".join(fields))

    def oil_on_may_14() -> float:
        gold = gold_table(isolated_env, "gold.fct_well_daily_production")
        return gold.filter((pl.col("well_id") == "15/9-F-11") & (pl.col("production_date") == pl.date(2014, 5, 14)))[
            "oil_sm3"
        ].item()

    assert main(["run", "--landing", str(landing)]) == 0
    report.write_text(corrected, encoding="utf-8")
    main(["run", "--landing", str(landing)])
    assert oil_on_may_14() == pytest.approx(1234.5)
    report.write_text(original, encoding="utf-8")
    main(["run", "--landing", str(landing)])
    assert oil_on_may_14() == pytest.approx(float(line.split(",")[18]))
