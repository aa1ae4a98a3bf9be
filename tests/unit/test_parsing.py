"""Parsing landed files: the Volve daily layout from CSV and XLSX into typed rows with source row numbers."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from da_platform.ingest.layouts import DAILY
from da_platform.ingest.parsing import FileRejected, normalise_header, parse_file

# Real Volve rows: F-12 on 2008-05-11 (source row 2001) and the 20 first days of 15/9-F-1 C (rows 2..21).
F12_2008_05_11 = 2000
F1C_FIRST_20 = slice(1, 21)


def csv_bytes(lines: list[str] | tuple[str, ...]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_csv_values_are_typed_per_the_daily_layout(volve_daily_lines: tuple[str, ...]) -> None:
    parsed = parse_file(csv_bytes([volve_daily_lines[0], volve_daily_lines[F12_2008_05_11]]), "d.csv", DAILY)

    row = parsed.frame.row(0, named=True)
    assert parsed.frame.schema["production_date"] == pl.Date()
    assert parsed.frame.schema["npd_wellbore_code"] == pl.Int64()
    assert parsed.frame.schema["oil_sm3"] == pl.Float64()
    assert row["production_date"] == date(2008, 5, 11)
    assert row["wellbore_code"] == "NO 15/9-F-12 H"
    assert row["npd_wellbore_code"] == 5599
    assert row["on_stream_hrs"] == 24.0
    assert row["avg_downhole_pressure_bar"] == 264.08789
    assert (row["oil_sm3"], row["gas_sm3"], row["water_sm3"]) == (3701.51, 567340.44, 7.22)
    assert row["flow_kind"] == "production"
    assert row["parse_errors"] is None


def test_empty_csv_field_becomes_null(volve_daily_lines: tuple[str, ...]) -> None:
    # BORE_WI_VOL is blank on a production day.
    parsed = parse_file(csv_bytes([volve_daily_lines[0], volve_daily_lines[F12_2008_05_11]]), "d.csv", DAILY)

    assert parsed.frame["water_injected_sm3"].to_list() == [None]
    assert parsed.frame["parse_errors"].to_list() == [None]


def test_source_row_counts_the_header_as_row_1(volve_daily_lines: tuple[str, ...]) -> None:
    parsed = parse_file(csv_bytes(volve_daily_lines[:4]), "d.csv", DAILY)

    assert parsed.frame["source_row"].to_list() == [2, 3, 4]


def test_blank_lines_are_skipped_without_shifting_row_numbers(volve_daily_lines: tuple[str, ...]) -> None:
    lines = [volve_daily_lines[0], volve_daily_lines[1], "", volve_daily_lines[2]]

    parsed = parse_file(csv_bytes(lines), "d.csv", DAILY)

    assert parsed.frame["source_row"].to_list() == [2, 4]
    assert parsed.frame["production_date"].to_list() == [date(2014, 4, 7), date(2014, 4, 8)]


def test_xlsx_gives_the_same_typed_rows_as_the_csv(volve_daily_lines: tuple[str, ...], write_volve_xlsx) -> None:
    lines = [volve_daily_lines[0], *volve_daily_lines[F1C_FIRST_20]]
    workbook = write_volve_xlsx(lines)

    from_xlsx = parse_file(workbook.read_bytes(), workbook.name, DAILY).frame
    from_csv = parse_file(csv_bytes(lines), "volve_daily.csv", DAILY).frame

    assert from_xlsx.height == 20
    assert from_xlsx["source_row"].to_list() == list(range(2, 22))
    # openpyxl stores floats with 16 significant digits where the CSV has 17: equal to 1e-15, not bit for bit.
    assert_frame_equal(from_xlsx, from_csv, check_exact=False, rtol=1e-15, atol=0.0)


def test_xlsx_dates_are_read_from_datetime_cells(volve_daily_lines: tuple[str, ...], write_volve_xlsx) -> None:
    from openpyxl import load_workbook

    workbook = write_volve_xlsx([volve_daily_lines[0], *volve_daily_lines[F1C_FIRST_20]])
    assert load_workbook(workbook)["Daily Production Data"]["A2"].is_date

    frame = parse_file(workbook.read_bytes(), workbook.name, DAILY).frame

    assert frame["production_date"].to_list()[:2] == [date(2014, 4, 7), date(2014, 4, 8)]
    assert frame["parse_errors"].null_count() == frame.height


def test_xlsx_is_read_from_the_daily_sheet_when_it_is_not_the_first(
    volve_daily_lines: tuple[str, ...], write_volve_xlsx
) -> None:
    workbook = write_volve_xlsx([volve_daily_lines[0], *volve_daily_lines[F1C_FIRST_20]], leading_sheet="Cover")

    frame = parse_file(workbook.read_bytes(), workbook.name, DAILY).frame

    assert frame.height == 20
    assert frame["wellbore_code"].unique().to_list() == ["NO 15/9-F-1 C"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("VALID_FROM", "VALID_FROM"), ("Valid from", "VALID_FROM"), ("  on stream  hrs ", "ON_STREAM_HRS")],
)
def test_headers_compare_case_insensitively_with_spaces_as_underscores(header: str, expected: str) -> None:
    assert normalise_header(header) == expected


def test_a_file_with_lower_case_spaced_headers_parses_like_the_original(volve_daily_lines: tuple[str, ...]) -> None:
    original = [volve_daily_lines[0], *volve_daily_lines[1:4]]
    relabelled = [original[0].lower().replace("_", " "), *original[1:]]

    parsed = parse_file(csv_bytes(relabelled), "d.csv", DAILY)

    assert parsed.extra_columns == []
    assert parsed.frame.equals(parse_file(csv_bytes(original), "d.csv", DAILY).frame)


def test_unknown_column_is_kept_in_extra_columns_and_reported(volve_daily_lines: tuple[str, ...]) -> None:
    lines = [
        volve_daily_lines[0] + ",CHOKE_COMMENT",
        volve_daily_lines[1] + ",choke bean changed",
        volve_daily_lines[2] + ",",
    ]

    parsed = parse_file(csv_bytes(lines), "d.csv", DAILY)

    assert parsed.extra_columns == ["CHOKE_COMMENT"]
    assert [json.loads(v) for v in parsed.frame["extra_columns"]] == [
        {"CHOKE_COMMENT": "choke bean changed"},
        {"CHOKE_COMMENT": ""},
    ]
    assert parsed.frame["parse_errors"].to_list() == [None, None]
    assert "CHOKE_COMMENT" not in parsed.frame.columns


def test_missing_required_column_rejects_the_file_naming_the_column_and_row_1(
    volve_daily_lines: tuple[str, ...],
) -> None:
    oil = volve_daily_lines[0].split(",").index("BORE_OIL_VOL")
    without_oil = [",".join(f for i, f in enumerate(line.split(",")) if i != oil) for line in volve_daily_lines[:3]]

    with pytest.raises(FileRejected) as rejected:
        parse_file(csv_bytes(without_oil), "volve_daily.csv", DAILY)

    assert rejected.value.rule == "FILE_MISSING_COLUMN"
    assert rejected.value.row == 1
    assert str(rejected.value).startswith("volve_daily.csv, row 1: [FILE_MISSING_COLUMN]")
    assert "BORE_OIL_VOL" in rejected.value.detail


def test_unsupported_file_type_is_rejected(volve_daily_lines: tuple[str, ...]) -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_file(csv_bytes(volve_daily_lines[:3]), "volve_daily.pdf", DAILY)

    assert rejected.value.rule == "FILE_FORMAT"
    assert "volve_daily.pdf" in str(rejected.value)


TRICKY_CELLS = (
    "", "  ", " 12.5 ", "1e3", "+5", "-0", ".5", "5.", "nan", "inf", "-Infinity", "1_000", "1,5", "abc",
    "7405", "7405.0", "7405.5", "2014-04-07", "2014-04-07T06:00:00", "07.04.2014", "7.4.2014", "20140407",
    "2014-02-30", "2014-4-7", "2014-04-07 junk",
)  # fmt: skip


@pytest.mark.parametrize("decimal_comma", [False, True])
def test_columns_typed_at_once_agree_with_the_per_cell_rule_on_awkward_values(decimal_comma: bool) -> None:
    from da_platform.ingest.parsing import _convert

    columns = {c.source: c for c in DAILY.columns}
    tested = tuple(columns)  # every column of the layout, each type several times
    sep = ";" if decimal_comma else ","
    rows = [sep.join(tested)] + [sep.join(['"' + cell + '"'] * len(tested)) for cell in TRICKY_CELLS]
    frame = parse_file(csv_bytes(rows), "tricky.csv", DAILY).frame

    for index, cell in enumerate(TRICKY_CELLS):
        expected_problems = []
        for source in tested:
            column = columns[source]
            value, problem = _convert(cell.strip(), column, decimal_comma)
            assert frame[column.name][index] == value, (source, cell)
            if problem:
                expected_problems.append(problem)
        assert frame["parse_errors"][index] == ("; ".join(expected_problems) or None), cell


def _with_first_field_quoted(lines: list[str], sep: str = ",") -> list[str]:
    """The same file with its first data row's first field in quotes: what a CSV reader reads is unchanged,
    but the file is no longer one that can be split at the delimiter without a CSV reader."""
    first, rest = lines[1].split(sep, 1)
    return [lines[0], f'"{first}"{sep}{rest}', *lines[2:]]


def test_the_whole_volve_file_parses_the_same_as_through_a_csv_reader(volve_daily_lines: tuple[str, ...]) -> None:
    lines = list(volve_daily_lines)

    plain = parse_file(csv_bytes(lines), "d.csv", DAILY)
    through_reader = parse_file(csv_bytes(_with_first_field_quoted(lines)), "d.csv", DAILY)

    assert plain.frame.height == 15_634
    assert_frame_equal(plain.frame, through_reader.frame)


@pytest.mark.parametrize("sep", [",", ";"])
def test_blank_lines_bad_cells_and_extra_columns_parse_the_same_as_through_a_csv_reader(
    volve_daily_lines: tuple[str, ...], sep: str
) -> None:
    rows = [[*line.split(","), "kept"] for line in volve_daily_lines[1:40]]
    rows[3][8] = "n/a"  # on-stream hours that are not a number
    rows[5][22] = "  production  "  # padded text
    rows = [",".join(fields) for fields in rows]
    lines = [volve_daily_lines[0] + ",COMMENT", *rows[:10], "", "   ", *rows[10:], ""]
    if sep == ";":  # a European export: ';' between fields, ',' as the decimal mark
        lines = [line.replace(",", ";").replace(".", ",") for line in lines]

    plain = parse_file(csv_bytes(lines), "d.csv", DAILY)
    through_reader = parse_file(csv_bytes(_with_first_field_quoted(lines, sep)), "d.csv", DAILY)

    assert plain.extra_columns == ["COMMENT"]
    assert plain.frame["parse_errors"].drop_nulls().len() == 1
    assert plain.frame["source_row"].to_list()[9:11] == [11, 14]  # two blank lines skipped, numbers kept
    assert_frame_equal(plain.frame, through_reader.frame)


def test_a_plain_file_is_read_by_the_polars_reader_into_the_same_cells_as_split_at_the_delimiter(
    volve_daily_lines: tuple[str, ...],
) -> None:
    from da_platform.ingest.parsing import _read_plain_csv, _split_plain_csv

    data = csv_bytes(list(volve_daily_lines))

    read = _read_plain_csv(data, ",")
    split = _split_plain_csv(data.decode(), ",")

    assert read is not None and split is not None
    assert read.header == split.header and read.lines == split.lines
    assert [c.to_list() for c in read.columns] == [c.to_list() for c in split.columns]


MISREAD_VARIANTS = (
    "blank line",
    "whitespace line",
    "short row",
    "long row",
    "short and long rows whose fields add up",
    "header only",
)


def _volve_variants(lines: tuple[str, ...]) -> dict[str, list[str]]:
    """Files the polars reader would misread (it keeps blank lines as rows and fills short rows)."""
    head, rows = lines[0], list(lines[1:30])
    short, long = rows[4].rsplit(",", 1)[0], rows[5] + ",extra"
    return {
        "blank line": [head, *rows[:3], "", *rows[3:]],
        "whitespace line": [head, *rows[:3], "   ", *rows[3:]],
        "short row": [head, *rows[:4], short, *rows[5:]],
        "long row": [head, *rows[:5], long, *rows[6:]],
        "short and long rows whose fields add up": [head, *rows[:4], short, long, *rows[6:]],
        "header only": [head],
    }


@pytest.mark.parametrize("variant", MISREAD_VARIANTS)
def test_a_file_the_polars_reader_would_misread_is_not_read_by_it(
    volve_daily_lines: tuple[str, ...], variant: str
) -> None:
    from da_platform.ingest.parsing import _read_plain_csv

    assert _read_plain_csv(csv_bytes(_volve_variants(volve_daily_lines)[variant]), ",") is None


@pytest.mark.parametrize("variant", MISREAD_VARIANTS[:-1])
def test_a_file_the_polars_reader_declines_parses_the_same_as_through_a_csv_reader(
    volve_daily_lines: tuple[str, ...], variant: str
) -> None:
    lines = _volve_variants(volve_daily_lines)[variant]

    plain = parse_file(csv_bytes(lines), "d.csv", DAILY)
    through_reader = parse_file(csv_bytes(_with_first_field_quoted(lines)), "d.csv", DAILY)

    assert_frame_equal(plain.frame, through_reader.frame)
