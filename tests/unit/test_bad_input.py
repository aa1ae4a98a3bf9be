"""The bad inputs an operator's landing folder really receives, each named by file, row and rule.

Whole-file problems raise :class:`FileRejected` (``"<file>, row <n>: [<RULE>] ..."``); row problems
become quarantine records carrying ``source_file``, ``source_row``, ``rule_id`` and a ``reason``.
"""

from __future__ import annotations

import codecs
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from da_platform.ingest import raw_zone
from da_platform.ingest.layouts import DAILY
from da_platform.ingest.parsing import FileRejected, parse_file
from da_platform.lakehouse.cleaning import admission_rejects, conform_daily, file_rejection
from da_platform.lakehouse.delta_lake import LocalLake

# Real Volve rows (index into volve_daily_lines; source row = index + 1).
F12_MAY_2008 = slice(2000, 2005)  # NO 15/9-F-12 H, 2008-05-11 .. 2008-05-15, all producing 24 h
F12_NEGATIVE_WATER = 1983  # NO 15/9-F-12 H, 2008-04-23: BORE_WAT_VOL < 0


def csv_bytes(lines: list[str] | tuple[str, ...]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def with_field(line: str, header: str, column: str, value: str) -> str:
    """A CSV line with one field replaced, the column found by its header name."""
    fields = line.split(",")
    fields[header.split(",").index(column)] = value
    return ",".join(fields)


# --- whole files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \r\n\n ", codecs.BOM_UTF8], ids=["0 bytes", "whitespace", "BOM only"])
def test_empty_file_is_rejected_as_file_empty(data: bytes) -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_file(data, "daily_2016-09-18.csv", DAILY)

    assert (rejected.value.rule, rejected.value.row) == ("FILE_EMPTY", 1)
    assert str(rejected.value).startswith("daily_2016-09-18.csv, row 1: [FILE_EMPTY]")


def test_non_utf8_file_is_rejected_as_file_encoding_naming_the_row(volve_daily_lines: tuple[str, ...]) -> None:
    latin1 = "\n".join(volve_daily_lines[:4]).encode("latin-1")  # MÆRSK INSPIRER in every data row

    with pytest.raises(FileRejected) as rejected:
        parse_file(latin1, "volve_daily.csv", DAILY)

    assert (rejected.value.rule, rejected.value.row) == ("FILE_ENCODING", 2)
    assert str(rejected.value).startswith("volve_daily.csv, row 2: [FILE_ENCODING]")
    assert "0xc6" in str(rejected.value)  # Æ in latin-1


def test_encoding_error_names_the_row_of_the_first_bad_byte_even_after_a_bom(
    volve_daily_lines: tuple[str, ...],
) -> None:
    # A UTF-8 export (with BOM) with one row pasted from a latin-1 export.
    data = codecs.BOM_UTF8 + csv_bytes(volve_daily_lines[:3]) + volve_daily_lines[3].encode("latin-1") + b"\n"

    with pytest.raises(FileRejected) as rejected:
        parse_file(data, "volve_daily.csv", DAILY)

    assert (rejected.value.rule, rejected.value.row) == ("FILE_ENCODING", 4)
    offset = data.index("Æ".encode("latin-1"))
    assert f"byte 0xc6 at offset {offset} " in str(rejected.value)


def test_workbook_missing_a_required_column_is_rejected(volve_daily_lines: tuple[str, ...], write_volve_xlsx) -> None:
    # An older export layout without FLOW_KIND (the 23rd of 24 columns).
    without_flow_kind = [",".join(line.split(",")[:22] + line.split(",")[23:]) for line in volve_daily_lines[:6]]
    workbook = write_volve_xlsx(without_flow_kind, name="volve_daily_old_layout.xlsx")

    with pytest.raises(FileRejected) as rejected:
        parse_file(workbook.read_bytes(), workbook.name, DAILY)

    assert (rejected.value.rule, rejected.value.row) == ("FILE_MISSING_COLUMN", 1)
    assert str(rejected.value).startswith("volve_daily_old_layout.xlsx, row 1: [FILE_MISSING_COLUMN]")
    assert "FLOW_KIND" in rejected.value.detail


def test_rejected_file_becomes_one_quarantine_record_naming_file_row_and_rule(
    volve_daily_lines: tuple[str, ...],
) -> None:
    latin1 = "\n".join(volve_daily_lines[:4]).encode("latin-1")
    with pytest.raises(FileRejected) as rejected:
        parse_file(latin1, "volve_daily.csv", DAILY)
    error = rejected.value

    record = file_rejection(error.file, "e3b0c442", error.rule, error.detail, error.row).row(0, named=True)

    assert (record["source_file"], record["source_row"], record["rule_id"]) == ("volve_daily.csv", 2, "FILE_ENCODING")
    assert (record["disposition"], record["source_sha256"]) == ("rejected", "e3b0c442")
    assert "not valid UTF-8" in record["reason"]


# --- a truncated file ----------------------------------------------------------------------------------


def truncated(lines: tuple[str, ...]) -> bytes:
    """The file as a transfer cut off half-way through its last line (no newline at the end)."""
    return csv_bytes(lines[:-1]) + lines[-1][: len(lines[-1]) // 2].encode("utf-8")


def test_truncated_last_row_is_kept_with_a_row_malformed_error(volve_daily_lines: tuple[str, ...]) -> None:
    lines = (volve_daily_lines[0], *volve_daily_lines[F12_MAY_2008])

    frame = parse_file(truncated(lines), "daily_2008-05.csv", DAILY).frame

    assert frame["source_row"].to_list() == [2, 3, 4, 5, 6]
    assert frame["parse_errors"].head(4).to_list() == [None] * 4
    assert frame["parse_errors"][4].startswith("ROW_MALFORMED")
    assert frame["production_date"][4] == date(2008, 5, 15)


def test_truncated_row_is_quarantined_as_parse_error_and_the_others_are_kept(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    lines = (volve_daily_lines[0], *volve_daily_lines[F12_MAY_2008])

    result = conform_daily(make_bronze(truncated(lines), "daily_2008-05.csv"), volve_register)

    assert result.quarantine.select("source_file", "source_row", "rule_id").rows() == [
        ("daily_2008-05.csv", 6, "PARSE_ERROR")
    ]
    assert "ROW_MALFORMED" in result.quarantine["reason"][0]
    assert result.production["source_row"].to_list() == [2, 3, 4, 5]
    assert result.production["oil_sm3"].to_list() == [3701.51, 4002.28, 4253.12, 4279.91]


# --- duplicates ------------------------------------------------------------------------------------------


def test_same_well_day_twice_in_one_file_keeps_the_later_row(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    header, day = volve_daily_lines[0], volve_daily_lines[2000]  # F-12 2008-05-11, oil 3701.51
    corrected = with_field(day, header, "BORE_OIL_VOL", "3710.0")

    result = conform_daily(make_bronze([header, day, corrected], "daily_2008-05-11.csv"), volve_register)

    assert result.production.select("source_row", "oil_sm3").rows() == [(3, 3710.0)]
    superseded = result.quarantine.row(0, named=True)
    assert result.quarantine.height == 1
    assert (superseded["source_file"], superseded["source_row"]) == ("daily_2008-05-11.csv", 2)
    assert (superseded["rule_id"], superseded["disposition"]) == ("DUPLICATE_SUPERSEDED", "superseded")
    assert superseded["reason"] == "replaced by daily_2008-05-11.csv version 1 row 3"
    assert superseded["oil_sm3"] == 3701.51


def test_later_version_of_a_file_supersedes_the_earlier_one(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    header, days = volve_daily_lines[0], list(volve_daily_lines[F12_MAY_2008])
    first = make_bronze([header, *days], "daily_2008-05.csv", version=1, arrived_at=datetime(2008, 5, 16, tzinfo=UTC))
    days[1] = with_field(days[1], header, "BORE_OIL_VOL", "1.0")  # 2008-05-12 corrected
    second = make_bronze([header, *days], "daily_2008-05.csv", version=2, arrived_at=datetime(2008, 5, 20, tzinfo=UTC))

    result = conform_daily(pl.concat([first, second]), volve_register)

    winning_sha, losing_sha = second["source_sha256"][0], first["source_sha256"][0]
    assert result.production["source_sha256"].unique().to_list() == [winning_sha]
    assert result.production.filter(pl.col("production_date") == date(2008, 5, 12))["oil_sm3"].to_list() == [1.0]
    assert result.quarantine["source_sha256"].unique().to_list() == [losing_sha]
    assert result.quarantine["rule_id"].unique().to_list() == ["DUPLICATE_SUPERSEDED"]
    assert result.quarantine["disposition"].unique().to_list() == ["superseded"]
    assert result.quarantine.filter(pl.col("source_row") == 3)["reason"].to_list() == [
        "replaced by daily_2008-05.csv version 2 row 3"
    ]


def test_files_landed_together_pick_the_same_winner_whatever_the_read_order(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    header, day = volve_daily_lines[0], volve_daily_lines[2000]
    a = make_bronze([header, day], "daily_a.csv")
    b = make_bronze([header, with_field(day, header, "BORE_OIL_VOL", "3710.0")], "daily_b.csv")

    winners = {
        conform_daily(pl.concat(order), volve_register).production["source_file"].item() for order in ([a, b], [b, a])
    }

    assert winners == {"daily_b.csv"}


# --- values ------------------------------------------------------------------------------------------------


def test_negative_volume_is_quarantined_as_volume_negative(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    lines = [volve_daily_lines[0], *volve_daily_lines[F12_NEGATIVE_WATER - 1 : F12_NEGATIVE_WATER + 2]]

    result = conform_daily(make_bronze(lines, "daily_2008-04.csv"), volve_register)

    rejected = result.quarantine.row(0, named=True)
    assert result.quarantine.height == 1
    assert (rejected["source_file"], rejected["source_row"], rejected["rule_id"]) == (
        "daily_2008-04.csv",
        3,
        "VOLUME_NEGATIVE",
    )
    assert rejected["reason"].startswith("negative volume: water_sm3=-")
    assert rejected["production_date"] == date(2008, 4, 23)
    assert result.production["source_row"].to_list() == [2, 4]


def test_date_in_the_future_is_rejected_at_admission(volve_daily_lines: tuple[str, ...], make_bronze) -> None:
    as_of = date(2024, 5, 2)
    header, days = volve_daily_lines[0], list(volve_daily_lines[F12_MAY_2008])
    days[2] = with_field(days[2], header, "DATEPRD", (as_of + timedelta(days=1)).isoformat())

    dated, rejected = admission_rejects(make_bronze([header, *days], "daily_2008-05.csv"), date(2007, 9, 1), as_of)

    assert rejected.select("source_file", "source_row", "rule_id").rows() == [
        ("daily_2008-05.csv", 4, "DATE_IN_FUTURE")
    ]
    assert rejected["reason"][0] == "DATEPRD 2024-05-03 is after 2024-05-02"
    assert dated["source_row"].to_list() == [2, 3, 5, 6]


def test_unknown_well_is_quarantined_and_creates_no_phantom_well(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    header, days = volve_daily_lines[0], list(volve_daily_lines[F12_MAY_2008])
    days[3] = with_field(days[3], header, "WELL_BORE_CODE", "NO 15/9-F-21 H")  # F-12 with its digits swapped

    result = conform_daily(make_bronze([header, *days], "daily_2008-05.csv"), volve_register)

    assert result.quarantine.select("source_file", "source_row", "rule_id").rows() == [
        ("daily_2008-05.csv", 5, "WELL_UNKNOWN")
    ]
    assert result.quarantine["reason"][0] == "wellbore NO 15/9-F-21 H is not in the well register"
    assert result.production["well_id"].unique().to_list() == ["15/9-F-12"]
    assert result.production.height + result.injection.height == 4


def test_wellbore_code_differing_only_in_case_and_spacing_is_the_same_well(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    header, days = volve_daily_lines[0], list(volve_daily_lines[F12_MAY_2008])
    days[3] = with_field(days[3], header, "WELL_BORE_CODE", "no 15/9-f-12  h")

    result = conform_daily(make_bronze([header, *days], "daily_2008-05.csv"), volve_register)

    assert result.quarantine.height == 0
    assert result.production["wellbore_code"].unique().to_list() == ["NO 15/9-F-12 H"]


def european(line: str) -> str:
    """A Volve CSV line as a Norwegian Excel export writes it: ';' between fields, ',' as decimal mark."""
    fields = line.split(",")
    for i, value in enumerate(fields):
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            fields[i] = f"{value[8:10]}.{value[5:7]}.{value[:4]}"
        elif value.replace(".", "", 1).replace("-", "", 1).isdigit():
            fields[i] = value.replace(".", ",")
    return ";".join(fields)


def test_semicolon_export_with_decimal_commas_parses_to_the_same_numbers(volve_daily_lines: tuple[str, ...]) -> None:
    lines = [volve_daily_lines[0], *volve_daily_lines[F12_MAY_2008]]
    exported = [european(line) for line in lines]
    assert "264,08789" in exported[1]

    parsed = parse_file(csv_bytes(exported), "volve_daily_no.csv", DAILY)

    assert (parsed.delimiter, parsed.decimal_comma) == (";", True)
    assert_frame_equal(parsed.frame, parse_file(csv_bytes(lines), "volve_daily.csv", DAILY).frame, check_exact=True)


# --- landing the same or a changed file --------------------------------------------------------------------


def land_folder(tmp_path: Path, lines: list[str] | tuple[str, ...]) -> Path:
    landing = tmp_path / "landing"
    (landing / "daily").mkdir(parents=True, exist_ok=True)
    (landing / "daily" / "volve_2008-05.csv").write_bytes(csv_bytes(lines))
    return landing


def test_landing_the_same_file_twice_adds_nothing(tmp_path: Path, lake: LocalLake, volve_daily_lines) -> None:
    landing = land_folder(tmp_path, [volve_daily_lines[0], *volve_daily_lines[F12_MAY_2008]])
    raw_zone.land(lake, raw_zone.discover(landing)[0], now=datetime(2024, 5, 1, tzinfo=UTC))
    manifest, version = lake.read(raw_zone.MANIFEST_TABLE), lake.version(raw_zone.MANIFEST_TABLE)

    added = raw_zone.land(lake, raw_zone.discover(landing)[0], now=datetime(2024, 5, 2, tzinfo=UTC))

    assert added.height == 0
    assert lake.version(raw_zone.MANIFEST_TABLE) == version
    assert_frame_equal(lake.read(raw_zone.MANIFEST_TABLE), manifest)
    assert len(list((lake.root / "raw" / "files" / "daily").iterdir())) == 1


def test_changed_file_with_the_same_name_lands_as_version_2_beside_version_1(
    tmp_path: Path, lake: LocalLake, volve_daily_lines
) -> None:
    first = [volve_daily_lines[0], *volve_daily_lines[F12_MAY_2008]]
    landing = land_folder(tmp_path, first)
    v1 = raw_zone.land(lake, raw_zone.discover(landing)[0], now=datetime(2024, 5, 1, tzinfo=UTC))
    land_folder(tmp_path, [*first, volve_daily_lines[2005]])  # the operator re-exports with one more day

    v2 = raw_zone.land(lake, raw_zone.discover(landing)[0], now=datetime(2024, 5, 2, tzinfo=UTC))

    assert v2.select("file_name", "version").rows() == [("volve_2008-05.csv", 2)]
    assert v2["raw_path"][0] != v1["raw_path"][0]
    assert lake.path(v1["raw_path"][0]).read_bytes() == csv_bytes(first)
    assert lake.path(v2["raw_path"][0]).read_bytes() == csv_bytes([*first, volve_daily_lines[2005]])
    assert lake.read(raw_zone.MANIFEST_TABLE).sort("version")["version"].to_list() == [1, 2]


def test_not_a_number_and_infinite_values_are_parse_errors() -> None:
    header = "DATEPRD,WELL_BORE_CODE,ON_STREAM_HRS,BORE_OIL_VOL,BORE_GAS_VOL,BORE_WAT_VOL,BORE_WI_VOL,FLOW_KIND"
    data = f"{header}\n2014-05-01,NO 15/9-F-11 H,nan,inf,1,1,,production\n".encode()
    parsed = parse_file(data, "odd_numbers.csv", DAILY)
    errors = parsed.frame["parse_errors"][0]
    assert "ON_STREAM_HRS='nan'" in errors
    assert "BORE_OIL_VOL='inf'" in errors
    assert parsed.frame["on_stream_hrs"][0] is None


def test_a_file_reverted_to_earlier_bytes_lands_as_a_new_version(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "dev" / "lake", "dev")
    landing = tmp_path / "landing" / "daily"
    landing.mkdir(parents=True)
    report = landing / "report.csv"
    versions = []
    for text in ("first\n", "second\n", "first\n"):
        report.write_text(text, encoding="utf-8")
        files, _ = raw_zone.discover(landing.parent)
        versions += raw_zone.land(lake, files)["version"].to_list()
    assert versions == [1, 2, 3]
    manifest = lake.read(raw_zone.MANIFEST_TABLE)
    assert (
        manifest.filter(pl.col("version") == 3)["sha256"].item()
        == manifest.filter(pl.col("version") == 1)["sha256"].item()
    )
