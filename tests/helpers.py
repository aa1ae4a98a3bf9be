"""Small landing folders cut from the bundled Volve sample, for tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from da_platform.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "da_platform" / "sample_data" / "landing"
DAILY_CSV = SAMPLE / "daily" / "volve_daily_production.csv"


def dev_warehouse(root: Path, first: str, last: str) -> Path:
    """The DuckDB warehouse of a dev environment under ``root`` with gold built from Volve ``first``..``last``."""
    from tests.conftest import DEPLOYMENT_VARIABLES

    with pytest.MonkeyPatch.context() as patch:
        for name in DEPLOYMENT_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("DATALIVE_HOME", str(root / "home"))
        patch.chdir(root)
        assert main(["run", "--only", "lakehouse", "--landing", str(make_landing(root, first, last))]) == 0
    return root / "home" / "dev" / "warehouse" / "datalive_dev.duckdb"


def write_daily_subset(target: Path, first: str, last: str) -> int:
    """Copy the Volve daily rows with first <= DATEPRD <= last (header kept, bytes of each row unchanged)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = DAILY_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if first <= line[:10] <= last]
    target.write_text("".join(kept), encoding="utf-8")
    return len(kept) - 1


def make_landing(root: Path, first: str = "2014-04-01", last: str = "2014-05-31") -> Path:
    """A landing folder with a slice of daily reports, the full monthly sheet and the well register."""
    landing = root / "landing"
    write_daily_subset(landing / "daily" / f"volve_{first}_{last}.csv", first, last)
    for kind in ("monthly", "reference"):
        shutil.copytree(SAMPLE / kind, landing / kind)
    return landing


def status(capsys: pytest.CaptureFixture[str]) -> dict:
    """`datalive status --json`, parsed."""
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def gold_table(home: Path, table: str) -> pl.DataFrame:
    """A whole warehouse table of the dev environment under ``home``."""
    with duckdb.connect(str(home / "dev" / "warehouse" / "datalive_dev.duckdb"), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table}").pl()


def build_environment(root: Path, first: str, last: str) -> Path:
    """A dev environment home under ``root`` with gold built by `datalive run` from a Volve slice and the
    forecast table written by its Dagster asset (default policy: no champion is promoted on so little data).

    Call with DATALIVE_HOME pointing at ``root / "home"`` and no deployment variables set.
    """
    import dagster as dg

    from da_platform.defs.forecast.assets import well_daily_forecasts
    from da_platform.defs.resources import build_resources
    from da_platform.env import load_settings

    landing = make_landing(root, first, last)
    assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
    resources = build_resources(load_settings({"DATALIVE_HOME": str(root / "home")}))
    result = dg.materialize(
        [well_daily_forecasts], resources={"lake": resources["lake"], "registry": resources["registry"]}
    )
    assert result.success
    return root / "home"
