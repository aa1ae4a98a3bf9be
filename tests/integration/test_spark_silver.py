"""The Spark path (Sail, through the PySpark API over Spark Connect) gives the same silver as the embedded engine.

Each scenario lands the same folder twice, once with the default in-process engine and once with
``DATALIVE_SPARK_REMOTE=local``, through the whole Dagster graph, and compares the Delta tables row by row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from da_platform.cli import main
from da_platform.ingest import synthetic
from tests.helpers import DAILY_CSV, gold_table, make_landing

pytestmark = pytest.mark.integration

SILVER_TABLES = ("well_day_production", "well_day_injection", "quarantine")


def _volve_with_a_correction(root: Path) -> list[Path]:
    """A Volve slice, then (in a second run, so it arrives later and wins) the same folder plus a file that
    corrects the water of three well-days and carries one negative water volume. Oil is left alone: it
    must still reconcile with the monthly sheet."""
    first = make_landing(root / "first", "2014-04-01", "2014-05-31")
    landing = root / "second"
    shutil.copytree(first, landing)
    lines = DAILY_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], [line for line in lines[1:] if line.startswith("2014-05-1")][:4]
    fields = [row.rstrip("\r\n").split(",") for row in rows]
    water = header.rstrip("\r\n").split(",").index("BORE_WAT_VOL")
    for i, row in enumerate(fields):
        row[water] = "-5" if i == 3 else f"{float(row[water] or 0) + 10 * (i + 1):.1f}"
    (landing / "daily" / "volve_corrections_2014-05.csv").write_text(
        header + "".join(",".join(row) + "\n" for row in fields), encoding="utf-8"
    )
    return [first, landing]


def _generated(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.setattr(synthetic, "BAD_ROW_SHARE", 0.005)
    synthetic.generate(root / "generated", 25, 70, 11)
    return [root / "generated"]


def _run(landings: list[Path], home: Path, monkeypatch: pytest.MonkeyPatch, spark: bool) -> None:
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    if spark:
        monkeypatch.setenv("DATALIVE_SPARK_REMOTE", "local")
    else:
        monkeypatch.delenv("DATALIVE_SPARK_REMOTE", raising=False)
    for landing in landings:
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0


def _silver(home: Path, table: str) -> pl.DataFrame:
    frame = pl.read_delta(str(home / "dev" / "lake" / "silver" / table))
    if "raw_record" in frame.columns:
        # The two landings arrive at different times; the arrival stamp in the kept record is all that may differ.
        stamp = pl.col("raw_record").str.replace(r'"arrived_at":"[^"]*"', '"arrived_at":"(landing time)"')
        frame = frame.with_columns(raw_record=stamp)
    return frame.sort(frame.columns, nulls_last=True)


@pytest.mark.parametrize("scenario", ["volve", "generated"])
def test_the_spark_path_writes_the_same_silver_and_gold_as_the_embedded_engine(
    scenario: str, tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = _volve_with_a_correction(tmp_path) if scenario == "volve" else _generated(tmp_path, monkeypatch)
    embedded, spark = tmp_path / "embedded", tmp_path / "spark"
    _run(landing, embedded, monkeypatch, spark=False)
    _run(landing, spark, monkeypatch, spark=True)

    for table in SILVER_TABLES:
        expected, actual = _silver(embedded, table), _silver(spark, table)
        assert actual.schema == expected.schema, table
        assert actual.equals(expected), table
    rules = _silver(spark, "quarantine")["rule_id"].to_list()
    assert rules  # the scenario exercises rejections, not only clean rows
    if scenario == "volve":
        assert rules.count("DUPLICATE_SUPERSEDED") == 4  # the corrections won over the first reports
        assert "VOLUME_NEGATIVE" in rules
    gold = "gold.fct_well_daily_production"
    assert (
        gold_table(spark, gold)
        .sort("well_id", "production_date")
        .equals(gold_table(embedded, gold).sort("well_id", "production_date"))
    )
