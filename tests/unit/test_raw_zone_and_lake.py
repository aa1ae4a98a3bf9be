"""The lake's environment guard, idempotent window writes, immutable raw files and the raw-zone audit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from da_platform.ingest import raw_zone
from da_platform.lakehouse.cleaning import SilverResult
from da_platform.lakehouse.delta_lake import LocalLake, OutsideEnvironmentError

TABLE = "silver/well_day_production"


def window(first: date, last: date) -> str:
    return f"production_date >= '{first.isoformat()}' AND production_date <= '{last.isoformat()}'"


APRIL, MAY = (date(2014, 4, 1), date(2014, 4, 30)), (date(2014, 5, 1), date(2014, 5, 31))


def days(silver: SilverResult, first: date, last: date) -> pl.DataFrame:
    """Real conformed Volve production well-days of one window."""
    return silver.production.filter(pl.col("production_date").is_between(first, last))


# --- the environment guard ---------------------------------------------------------------------------------


def test_lake_refuses_a_path_that_climbs_out_of_its_root(lake: LocalLake) -> None:
    with pytest.raises(OutsideEnvironmentError):
        lake.path("silver/../../../prod/lake/silver/well_day_production")


def test_lake_refuses_an_absolute_path(lake: LocalLake, tmp_path: Path) -> None:
    with pytest.raises(OutsideEnvironmentError):
        lake.path(str(tmp_path / "prod" / "lake" / "raw"))


def test_lake_refuses_to_write_bytes_outside_its_root(lake: LocalLake, tmp_path: Path) -> None:
    with pytest.raises(OutsideEnvironmentError):
        lake.write_bytes_once("../../prod/lake/raw/files/daily/x.csv", b"data")

    assert not (tmp_path / "prod").exists()


def test_lake_accepts_paths_inside_its_root(lake: LocalLake) -> None:
    assert lake.path("raw", "files", "daily") == lake.root / "raw" / "files" / "daily"


def test_lake_whose_root_is_not_in_its_environment_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutsideEnvironmentError):
        LocalLake(tmp_path / "prod" / "lake", "dev")


def test_environment_named_higher_up_the_path_does_not_admit_a_lake(tmp_path: Path) -> None:
    # A home folder under /…/prod/… must not let a misconfigured prod lake point at dev's folder.
    with pytest.raises(OutsideEnvironmentError):
        LocalLake(tmp_path / "prod" / "datalive" / "dev" / "lake", "prod")


def test_branch_deployment_lake_sits_in_its_pull_request_folder(tmp_path: Path) -> None:
    assert (
        LocalLake(tmp_path / "qa" / "pr-12" / "lake", "qa/pr-12").root == (tmp_path / "qa" / "pr-12" / "lake").resolve()
    )
    with pytest.raises(OutsideEnvironmentError):
        LocalLake(tmp_path / "qa" / "pr-12" / "lake", "qa")


# --- idempotent window writes ----------------------------------------------------------------------------------


def test_replacing_a_window_twice_gives_the_same_rows(lake: LocalLake, volve_silver: SilverResult) -> None:
    april = days(volve_silver, *APRIL)
    lake.replace_where(TABLE, april, window(*APRIL))

    lake.replace_where(TABLE, april, window(*APRIL))

    stored = lake.read(TABLE).sort("production_date", "well_id")
    assert stored.height == april.height == 144
    assert_frame_equal(stored, april.sort("production_date", "well_id"))


def test_replacing_a_window_leaves_other_windows_untouched(lake: LocalLake, volve_silver: SilverResult) -> None:
    april, may = days(volve_silver, *APRIL), days(volve_silver, *MAY)
    lake.append(TABLE, pl.concat([april, may]))
    rerun = april.with_columns(pl.col("oil_sm3") * 2)

    lake.replace_where(TABLE, rerun, window(*APRIL))

    stored = lake.read(TABLE)
    stored_may = stored.filter(pl.col("production_date").is_between(*MAY)).sort("production_date", "well_id")
    stored_april = stored.filter(pl.col("production_date").is_between(*APRIL)).sort("production_date", "well_id")
    assert_frame_equal(stored_may, may.sort("production_date", "well_id"))
    assert_frame_equal(stored_april, rerun.sort("production_date", "well_id"))


def test_replacing_a_window_with_no_rows_empties_it(lake: LocalLake, volve_silver: SilverResult) -> None:
    lake.append(TABLE, pl.concat([days(volve_silver, *APRIL), days(volve_silver, *MAY)]))

    lake.replace_where(TABLE, volve_silver.production.clear(), window(*APRIL))

    assert lake.read(TABLE)["production_date"].dt.month().unique().to_list() == [5]


# --- immutable raw files -----------------------------------------------------------------------------------------


def test_write_bytes_once_refuses_to_replace_different_bytes(lake: LocalLake, volve_daily_lines) -> None:
    original = ("\n".join(volve_daily_lines[:3]) + "\n").encode()
    lake.write_bytes_once("raw/files/daily/abc/volve.csv", original)

    with pytest.raises(FileExistsError):
        lake.write_bytes_once("raw/files/daily/abc/volve.csv", original + b"tampered\n")

    assert lake.path("raw/files/daily/abc/volve.csv").read_bytes() == original


def test_write_bytes_once_accepts_the_same_bytes_again(lake: LocalLake) -> None:
    first = lake.write_bytes_once("raw/files/reference/abc/well_register.csv", b"WELL_ID\n")

    again = lake.write_bytes_once("raw/files/reference/abc/well_register.csv", b"WELL_ID\n")

    assert again == first
    assert lake.read_bytes("raw/files/reference/abc/well_register.csv") == b"WELL_ID\n"


# --- the raw zone ---------------------------------------------------------------------------------------------------


def landed(tmp_path: Path, lake: LocalLake, volve_daily_lines) -> pl.DataFrame:
    daily = tmp_path / "landing" / "daily" / "volve_2014-04.csv"
    daily.parent.mkdir(parents=True)
    daily.write_text("\n".join(volve_daily_lines[:6]) + "\n", encoding="utf-8")
    files, _ = raw_zone.discover(tmp_path / "landing")
    return raw_zone.land(lake, files, now=datetime(2024, 5, 2, tzinfo=UTC))


def test_landing_copies_bytes_and_records_their_sha256(tmp_path: Path, lake: LocalLake, volve_daily_lines) -> None:
    added = landed(tmp_path, lake, volve_daily_lines).row(0, named=True)

    copy = lake.path(added["raw_path"])
    assert copy.read_bytes() == (tmp_path / "landing" / "daily" / "volve_2014-04.csv").read_bytes()
    assert added["raw_path"] == f"raw/files/daily/{added['sha256']}/volve_2014-04.csv"
    assert raw_zone.sha256_of(copy) == added["sha256"]
    assert (added["kind"], added["version"]) == ("daily", 1)


def several_months(tmp_path: Path, volve_daily_lines, months: int = 5) -> list[Path]:
    """``months`` small daily reports, each with different rows of the Volve sample."""
    folder = tmp_path / "landing" / "daily"
    folder.mkdir(parents=True)
    paths = []
    for month in range(1, months + 1):
        path = folder / f"volve_2014-{month:02d}.csv"
        path.write_text(
            "\n".join([volve_daily_lines[0], *volve_daily_lines[month : month + 3]]) + "\n", encoding="utf-8"
        )
        paths.append(path)
    return paths


def test_landing_several_files_records_them_in_path_order_each_with_its_own_bytes(
    tmp_path: Path, lake: LocalLake, volve_daily_lines
) -> None:
    paths = several_months(tmp_path, volve_daily_lines)
    files, _ = raw_zone.discover(tmp_path / "landing")

    added = raw_zone.land(lake, files)

    assert added["file_name"].to_list() == [path.name for path in paths]
    for row, path in zip(added.iter_rows(named=True), paths, strict=True):
        assert lake.read_bytes(row["raw_path"]) == path.read_bytes()
        assert raw_zone.sha256_of(path) == row["sha256"]


def test_a_raw_copy_that_cannot_be_written_fails_the_landing_before_any_manifest_row(
    tmp_path: Path, lake: LocalLake, volve_daily_lines
) -> None:
    several_months(tmp_path, volve_daily_lines)
    files, _ = raw_zone.discover(tmp_path / "landing")
    third = files[2]
    lake.write_bytes_once(f"raw/files/daily/{third.sha256}/{third.path.name}", b"other bytes")

    with pytest.raises(FileExistsError):
        raw_zone.land(lake, files)

    assert not lake.exists(raw_zone.MANIFEST_TABLE)


def test_verify_reports_every_damaged_copy_in_raw_path_order(
    tmp_path: Path, lake: LocalLake, volve_daily_lines
) -> None:
    several_months(tmp_path, volve_daily_lines)
    files, _ = raw_zone.discover(tmp_path / "landing")
    raw_paths = sorted(raw_zone.land(lake, files)["raw_path"].to_list())
    for raw_path in (raw_paths[3], raw_paths[1]):
        lake.path(raw_path).write_bytes(b"damaged")

    problems = raw_zone.verify(lake)

    assert [problem.split(":")[0] for problem in problems] == [raw_paths[1], raw_paths[3]]


def test_verify_finds_nothing_wrong_after_landing(tmp_path: Path, lake: LocalLake, volve_daily_lines) -> None:
    landed(tmp_path, lake, volve_daily_lines)

    assert raw_zone.verify(lake) == []


def test_verify_reports_a_tampered_raw_file(tmp_path: Path, lake: LocalLake, volve_daily_lines) -> None:
    raw_path = landed(tmp_path, lake, volve_daily_lines)["raw_path"][0]
    copy = lake.path(raw_path)
    copy.write_bytes(copy.read_bytes().replace("MÆRSK".encode(), b"MAERSK"))

    problems = raw_zone.verify(lake)

    assert len(problems) == 1
    assert problems[0].startswith(f"{raw_path}: content no longer matches sha256")


def test_verify_reports_a_missing_raw_file(tmp_path: Path, lake: LocalLake, volve_daily_lines) -> None:
    raw_path = landed(tmp_path, lake, volve_daily_lines)["raw_path"][0]
    lake.path(raw_path).unlink()

    assert raw_zone.verify(lake) == [f"{raw_path}: missing from the raw zone"]


def test_verify_with_rehash_checks_every_size_and_reads_back_only_the_named_copies(
    tmp_path: Path, lake: LocalLake, volve_daily_lines
) -> None:
    raw_path = landed(tmp_path, lake, volve_daily_lines)["raw_path"][0]
    copy = lake.path(raw_path)
    same_size = copy.read_bytes().replace("MÆRSK".encode(), "MÅRSK".encode())
    copy.write_bytes(same_size)

    assert raw_zone.verify(lake, rehash=set()) == []  # sizes agree; contents are the full audit's job
    assert raw_zone.verify(lake, rehash={raw_path})[0].startswith(f"{raw_path}: content no longer matches")
    copy.write_bytes(same_size + b"\n")
    assert raw_zone.verify(lake, rehash=set()) == [
        f"{raw_path}: {len(same_size) + 1} bytes in the raw zone, {len(same_size)} in the manifest"
    ]
    copy.unlink()
    assert raw_zone.verify(lake, rehash=set()) == [f"{raw_path}: missing from the raw zone"]


def test_discover_does_not_hash_a_file_the_last_run_saw_unchanged(
    tmp_path: Path, lake: LocalLake, volve_daily_lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed(tmp_path, lake, volve_daily_lines)
    files, _ = raw_zone.discover(tmp_path / "landing")
    raw_zone.write_stat_cache(lake, files)
    hashed: list[Path] = []
    monkeypatch.setattr(raw_zone, "sha256_of", lambda path: hashed.append(path) or "rehashed")

    again, _ = raw_zone.discover(tmp_path / "landing", raw_zone.read_stat_cache(lake))

    assert hashed == []
    assert [f.sha256 for f in again] == [f.sha256 for f in files]


def test_discover_hashes_a_file_whose_size_or_time_changed(tmp_path: Path, lake: LocalLake, volve_daily_lines) -> None:
    landed(tmp_path, lake, volve_daily_lines)
    files, _ = raw_zone.discover(tmp_path / "landing")
    raw_zone.write_stat_cache(lake, files)
    daily = files[0].path
    daily.write_text("\n".join(volve_daily_lines[:7]) + "\n", encoding="utf-8")  # a corrected report

    again, _ = raw_zone.discover(tmp_path / "landing", raw_zone.read_stat_cache(lake))

    assert again[0].sha256 == raw_zone.sha256_of(daily) != files[0].sha256
    assert raw_zone.land(lake, again)["version"].to_list() == [2]


def test_discover_ignores_files_outside_the_kind_folders(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for relative in ("daily/d.csv", "reference/well_register.csv", "notes.txt", "invoices/i.csv", "daily/.d.csv.swp"):
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_text("x\n")

    found, ignored = raw_zone.discover(landing)

    assert [(f.kind, f.path.name) for f in found] == [("daily", "d.csv"), ("reference", "well_register.csv")]
    assert sorted(p.relative_to(landing).as_posix() for p in ignored) == [
        "daily/.d.csv.swp",
        "invoices/i.csv",
        "notes.txt",
    ]


def test_warehouse_outside_its_environment_folder_is_refused(tmp_path: Path) -> None:
    from da_platform.lakehouse.warehouse import Warehouse

    with pytest.raises(OutsideEnvironmentError, match="'qa'"):
        Warehouse(tmp_path / "prod" / "warehouse" / "datalive.duckdb", "qa")


def test_warehouse_inside_a_branch_deployment_folder_is_accepted(tmp_path: Path) -> None:
    from da_platform.lakehouse.warehouse import Warehouse

    warehouse = Warehouse(tmp_path / "qa" / "pr-7" / "warehouse" / "datalive.duckdb", "qa/pr-7")
    assert warehouse.path.name == "datalive.duckdb"


def _days(first: int, last: int, oil: float) -> pl.DataFrame:
    from datetime import date

    return pl.DataFrame(
        {"production_date": [date(2016, 1, d) for d in range(first, last + 1)], "oil_sm3": oil},
    )


def test_a_window_replaced_in_parts_lands_in_one_transaction(tmp_path: Path) -> None:
    from datetime import date

    from da_platform.lakehouse.warehouse import Warehouse

    warehouse = Warehouse(tmp_path / "dev" / "warehouse" / "datalive_dev.duckdb", "dev")
    with warehouse.replacing_window(("well_day_production",), date(2016, 1, 1), date(2016, 1, 31)) as wh:
        wh.add("well_day_production", _days(1, 31, 1.0))
    with warehouse.replacing_window(("well_day_production",), date(2016, 1, 10), date(2016, 1, 20)) as wh:
        wh.add("well_day_production", _days(10, 15, 2.0))
        wh.add("well_day_production", _days(16, 20, 3.0))

    rows = warehouse.query("SELECT oil_sm3, count(*) AS n FROM silver.well_day_production GROUP BY 1 ORDER BY 1")
    assert rows.rows() == [(1.0, 20), (2.0, 6), (3.0, 5)]


def test_a_failure_part_way_through_a_window_leaves_the_old_rows(tmp_path: Path) -> None:
    from datetime import date

    from da_platform.lakehouse.warehouse import Warehouse

    warehouse = Warehouse(tmp_path / "dev" / "warehouse" / "datalive_dev.duckdb", "dev")
    with warehouse.replacing_window(("well_day_production",), date(2016, 1, 1), date(2016, 1, 31)) as wh:
        wh.add("well_day_production", _days(1, 31, 1.0))
    window = (("well_day_production",), date(2016, 1, 1), date(2016, 1, 31))
    with pytest.raises(RuntimeError, match="engine failed"), warehouse.replacing_window(*window) as wh:
        wh.add("well_day_production", _days(1, 15, 9.0))
        raise RuntimeError("engine failed in the second month")

    rows = warehouse.query("SELECT oil_sm3, count(*) AS n FROM silver.well_day_production GROUP BY 1")
    assert rows.rows() == [(1.0, 31)]
