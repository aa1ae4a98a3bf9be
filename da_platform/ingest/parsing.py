"""Turn the bytes of a landed file into a typed table, one row per source row.

Problems that make a whole file unusable (empty, not UTF-8, a required column missing, an unreadable
workbook) raise :class:`FileRejected`, which names the file, the row and the rule. Problems confined to
one row (too few or too many fields, a value that is not a number or a date) keep the row, set the bad
values to null and list the problems in ``parse_errors`` so the cleaning step can quarantine it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

import polars as pl

from da_platform.ingest.layouts import Column, Layout

_POLARS_TYPES: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "string": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
}
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


class FileRejected(ValueError):
    """A landed file that cannot be read at all; nothing from it reaches bronze."""

    def __init__(self, file: str, rule: str, message: str, row: int | None = None) -> None:
        self.file, self.rule, self.row, self.detail = file, rule, row, message
        where = f"{file}, row {row}" if row is not None else file
        super().__init__(f"{where}: [{rule}] {message}")


@dataclass
class ParsedFile:
    """The typed rows of one file plus what the parser noticed about it."""

    frame: pl.DataFrame
    extra_columns: list[str] = field(default_factory=list)
    delimiter: str = ","
    decimal_comma: bool = False


def normalise_header(name: str) -> str:
    """Headers compare case-insensitively with spaces as underscores (``Valid from`` == ``VALID_FROM``)."""
    return re.sub(r"\s+", "_", name.strip().upper())


def parse_file(data: bytes, file_name: str, layout: Layout) -> ParsedFile:
    """Parse a CSV or XLSX file of the given layout into typed rows with ``source_row`` numbers."""
    if not data.removeprefix(codecs.BOM_UTF8).strip():  # a BOM alone is still an empty file
        raise FileRejected(file_name, "FILE_EMPTY", "the file is empty (0 bytes or only whitespace)", row=1)
    suffix = PurePath(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        header, rows = _read_xlsx(data, file_name, layout)
        delimiter, decimal_comma = ",", False
    elif suffix in (".csv", ".txt"):
        header, rows, delimiter = _read_csv(data, file_name)
        decimal_comma = delimiter == ";"
    else:
        raise FileRejected(file_name, "FILE_FORMAT", f"unsupported file type {suffix!r} (use .csv or .xlsx)")
    return _type_rows(header, rows, file_name, layout, delimiter, decimal_comma)


def _read_csv(data: bytes, file_name: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    # Strip the BOM ourselves: decoding with "utf-8-sig" reports error offsets relative to the bytes after it.
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        row = data[:offset].count(b"\n") + 1
        raise FileRejected(
            file_name,
            "FILE_ENCODING",
            f"byte 0x{data[offset]:02x} at offset {offset} is not valid UTF-8; export the report as UTF-8",
            row=row,
        ) from exc
    first_line = text.split("\n", 1)[0]
    # European exports use ';' between fields because ',' is their decimal mark.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:  # pragma: no cover - guarded by the emptiness check
        raise FileRejected(file_name, "FILE_EMPTY", "the file has no header row", row=1) from exc
    rows: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line, e.g. a trailing newline
            rows.append((reader.line_num, record))
    except csv.Error as exc:
        raise FileRejected(file_name, "FILE_MALFORMED", str(exc), row=reader.line_num) from exc
    return header, rows, delimiter


def _read_xlsx(data: bytes, file_name: str, layout: Layout) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise FileRejected(file_name, "FILE_FORMAT", f"not a readable XLSX workbook: {exc}") from exc
    sheet_name = next((s for s in layout.xlsx_sheets if s in workbook.sheet_names), workbook.sheet_names[0])
    values = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    if not values:
        raise FileRejected(file_name, "FILE_EMPTY", f"sheet {sheet_name!r} is empty", row=1)
    header = [_cell_text(v) for v in values[0]]
    rows = [
        (index + 1, [_cell_text(v) for v in record])
        for index, record in enumerate(values)
        if index > 0 and any(_cell_text(v) for v in record)
    ]
    return header, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _type_rows(
    header: list[str],
    rows: list[tuple[int, list[str]]],
    file_name: str,
    layout: Layout,
    delimiter: str,
    decimal_comma: bool,
) -> ParsedFile:
    normalised = [normalise_header(h) for h in header]
    missing = [c for c in layout.required if c not in normalised]
    if missing:
        raise FileRejected(
            file_name,
            "FILE_MISSING_COLUMN",
            f"required column(s) {', '.join(missing)} not in the header (found: {', '.join(normalised)})",
            row=1,
        )
    known = layout.by_source()
    extra = [h for h in normalised if h and h not in known]
    width = len(header)
    records = [record for _, record in rows]
    # A row with too many fields keeps its first ``width``; one with too few reads as empty beyond its end,
    # as a lookup by header name would. The full record is kept in raw_record when the row has a problem.
    malformed = [len(r) != width for r in records]
    grid = [r if len(r) == width else (r + [""] * width)[:width] for r in records]
    by_position = list(zip(*grid, strict=True)) if grid else [() for _ in range(width)]
    last_position = {name: i for i, name in enumerate(normalised)}  # a repeated header: the last one wins

    typed: dict[str, pl.Series] = {}
    row_problem = [
        f"ROW_MALFORMED: {len(r)} fields, header has {width}" if m else None
        for r, m in zip(records, malformed, strict=True)
    ]
    problems: dict[str, pl.Series] = {"_row": pl.Series(row_problem, dtype=pl.String())}
    for column in layout.columns:
        position = last_position.get(column.source)
        cells = by_position[position] if position is not None else [""] * len(records)
        typed[column.name], problems[column.name] = _convert_column(
            pl.Series(cells, dtype=pl.String()), column, decimal_comma
        )
    joined = pl.DataFrame(problems).select(pl.concat_str(pl.all(), separator="; ", ignore_nulls=True).alias("e"))
    errors = joined.select(pl.when(pl.col("e") != "").then(pl.col("e"))).to_series()
    raw: list[str | None] = [None] * len(records)
    for i in errors.is_not_null().arg_true().to_list():
        raw[i] = json.dumps(dict(zip(header, records[i], strict=False)), ensure_ascii=False)
    extras: list[str | None] = [None] * len(records)
    if extra:
        for i, record in enumerate(records):
            values = dict(zip(normalised, record, strict=False))
            extras[i] = json.dumps({h: values.get(h) for h in extra}, ensure_ascii=False)

    frame = pl.DataFrame(
        {
            "source_row": pl.Series([n for n, _ in rows], dtype=pl.Int64()),
            **typed,
            "extra_columns": pl.Series(extras, dtype=pl.String()),
            "parse_errors": errors,
            "raw_record": pl.Series(raw, dtype=pl.String()),
        }
    )
    return ParsedFile(frame=frame, extra_columns=extra, delimiter=delimiter, decimal_comma=decimal_comma)


def _convert_column(cells: pl.Series, column: Column, decimal_comma: bool) -> tuple[pl.Series, pl.Series]:
    """Type one column at once: (values, problem per row). polars casts the common forms; a non-empty cell
    it cannot cast goes through :func:`_convert`, the per-cell rule, so both paths give the same result."""
    dtype = _POLARS_TYPES[column.type]
    text = pl.col("t")
    if column.type == "string":
        fast = pl.when(text != "").then(text)
    elif column.type == "date":
        fast = pl.when(text.str.len_chars() >= 10).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
    else:
        number = text.str.replace(",", ".", literal=True) if decimal_comma else text
        as_float = number.cast(pl.Float64(), strict=False)
        whole = as_float == as_float.floor()
        fast = pl.when(as_float.is_finite() & (whole if column.type == "int" else True)).then(as_float)
    out = pl.DataFrame({"t": cells.str.strip_chars()}).with_columns(v=fast.cast(dtype)).with_row_index("i")
    pending = out.filter(pl.col("v").is_null() & (pl.col("t") != ""))
    no_problems = pl.Series([None] * out.height, dtype=pl.String())
    if pending.height == 0:
        return out["v"].alias(column.name), no_problems
    values, problems = out["v"].to_list(), no_problems.to_list()
    for i, cell in pending.select("i", "t").iter_rows():
        values[i], problems[i] = _convert(cell, column, decimal_comma)
    return pl.Series(column.name, values, dtype=dtype), pl.Series(problems, dtype=pl.String())


def _convert(text: str, column: Column, decimal_comma: bool) -> tuple[object, str | None]:
    if text == "":
        return None, None
    try:
        if column.type == "string":
            return text, None
        if column.type == "date":
            return _parse_date(text), None
        number_text = text.replace(",", ".") if decimal_comma else text
        if column.type == "int":
            number = float(number_text)
            if not number.is_integer():
                raise ValueError("not a whole number")
            return int(number), None
        number = float(number_text)
        if not math.isfinite(number):  # "nan"/"inf" parse as floats but would slip past every range rule
            raise ValueError("not a finite number")
        return number, None
    except ValueError:
        return None, f"TYPE_CAST: {column.source}={text!r} is not a valid {column.type}"


def _parse_date(text: str) -> date:
    match = _DOTTED_DATE.fullmatch(text)
    if match:  # Norwegian exports write 31.12.2015
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
