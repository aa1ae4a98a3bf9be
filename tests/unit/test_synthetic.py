"""The synthetic landing generator: deterministic, in the landing layout, internally consistent."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from da_platform.ingest import synthetic
from da_platform.ingest.layouts import DAILY
from da_platform.ingest.parsing import parse_file
from da_platform.ingest.synthetic import generate


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.csv")}


def _daily(folder: Path) -> pl.DataFrame:
    return pl.concat([pl.read_csv(p, try_parse_dates=True) for p in sorted((folder / "daily").glob("*.csv"))])


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate(out, wells=30, days=100, seed=5, start=date(2021, 1, 1))
    return out


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(landing: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", wells=30, days=100, seed=5, start=date(2021, 1, 1))
    generate(tmp_path / "other", wells=30, days=100, seed=6, start=date(2021, 1, 1))
    assert _digest(tmp_path / "again") == _digest(landing)
    assert _digest(tmp_path / "other") != _digest(landing)


def test_daily_files_parse_with_the_production_layout(landing: Path) -> None:
    path = landing / "daily" / "daily_2021-02.csv"
    parsed = parse_file(path.read_bytes(), path.name, DAILY)
    assert parsed.frame.height > 0
    assert parsed.frame["production_date"].min() == date(2021, 2, 1)


def test_no_well_reports_before_its_start_up_in_the_register(landing: Path) -> None:
    register = pl.read_csv(landing / "reference" / "well_register.csv", try_parse_dates=True)
    first = _daily(landing).group_by("NPD_WELL_BORE_NAME").agg(pl.col("DATEPRD").min().alias("first"))
    joined = first.join(register, left_on="NPD_WELL_BORE_NAME", right_on="well_id")
    assert joined.height == register.height
    assert (joined["first"] == joined["valid_from"]).all()


def test_injectors_report_injected_water_and_no_production(landing: Path) -> None:
    injection = _daily(landing).filter(pl.col("FLOW_KIND") == "injection")
    assert injection.height > 0
    assert injection["BORE_OIL_VOL"].null_count() == injection.height
    assert (injection["WELL_TYPE"] == "WI").all()


def test_event_days_are_shut_in_days(landing: Path) -> None:
    events = pl.read_csv(landing / "events" / "downtime_events.csv", try_parse_dates=True)
    assert events.height > 0 and set(events["category"]) <= {"downtime", "well_test"}
    assert events["event_id"].is_unique().all()
    daily = _daily(landing)
    event = events.row(0, named=True)
    days = daily.filter(
        (pl.col("NPD_WELL_BORE_NAME") == event["well"]) & pl.col("DATEPRD").is_between(event["start"], event["end"])
    )
    assert days.height > 0 and (days["ON_STREAM_HRS"] == 0).all()


def test_reported_monthly_oil_is_the_sum_of_the_daily_oil_of_known_wellbores(landing: Path) -> None:
    monthly = pl.read_csv(landing / "monthly" / "reported_monthly.csv")
    daily = (
        _daily(landing)
        .filter(pl.col("WELL_BORE_CODE") != "NO SYN-UNKNOWN")
        .group_by(
            "NPD_WELL_BORE_NAME", pl.col("DATEPRD").dt.year().alias("YEAR"), pl.col("DATEPRD").dt.month().alias("MONTH")
        )
        .agg(pl.col("BORE_OIL_VOL").sum())
    )
    joined = monthly.join(
        daily, left_on=["WELLBORE_NAME", "YEAR", "MONTH"], right_on=["NPD_WELL_BORE_NAME", "YEAR", "MONTH"]
    )
    assert joined.height == monthly.height
    assert (joined["OIL_SM3"] - joined["BORE_OIL_VOL"]).abs().max() < 0.05


def test_planted_bad_rows_are_in_the_files_as_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synthetic, "BAD_ROW_SHARE", 0.01)
    summary = generate(tmp_path, wells=20, days=60, seed=1)
    daily = _daily(tmp_path)
    assert (daily["ON_STREAM_HRS"] > 24).sum() == summary.bad_rows["hours_over_24"] > 0
    assert (daily["WELL_BORE_CODE"] == "NO SYN-UNKNOWN").sum() == summary.bad_rows["unknown_wellbore"] > 0
    assert (daily["BORE_WAT_VOL"] < 0).sum() == summary.bad_rows["negative_water"] > 0


def test_zero_wells_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="wells and days must be at least 1"):
        generate(tmp_path, wells=0, days=10)
