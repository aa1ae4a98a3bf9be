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

from da_platform.ingest.archives import DEFAULT_LIMITS, ArchiveLimits, ArchiveRejected, check_zip
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


def parse_file(data: bytes, file_name: str, layout: Layout, limits: ArchiveLimits = DEFAULT_LIMITS) -> ParsedFile:
    """Parse a CSV or XLSX file of the given layout into typed rows with ``source_row`` numbers.

    A workbook is inflated within ``limits`` (:mod:`da_platform.ingest.archives`) before it is opened; beyond
    them it is rejected as ``FILE_FORMAT``.
    """
    content = data.removeprefix(codecs.BOM_UTF8)
    if not content or content.isspace():  # a BOM alone is still an empty file; isspace() stops at a byte
        # of data, where strip() would copy the whole file
        raise FileRejected(file_name, "FILE_EMPTY", "the file is empty (0 bytes or only whitespace)", row=1)
    suffix = PurePath(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        cells = _Cells.from_rows(*_read_xlsx(data, file_name, layout, limits))
        delimiter, decimal_comma = ",", False
    elif suffix in (".csv", ".txt"):
        text = _decode(data, file_name)
        delimiter = _delimiter(text)
        cells = (
            _read_plain_csv(content, delimiter)
            or _split_plain_csv(text, delimiter)
            or _Cells.from_rows(*_read_csv(text, file_name, delimiter))
        )
        decimal_comma = delimiter == ";"
    else:
        raise FileRejected(file_name, "FILE_FORMAT", f"unsupported file type {suffix!r} (use .csv or .xlsx)")
    return _type_rows(cells, file_name, layout, delimiter, decimal_comma)


@dataclass
class _Cells:
    """A file's text cells: one string column per header position (``""`` where a short row ends), each
    row's source line, whether some row has another number of fields than the header (its whole record is
    then kept in raw_record), and the rows' own fields once they are known."""

    header: list[str]
    lines: list[int]
    columns: list[pl.Series]
    ragged: bool = False
    records: list[list[str]] | None = field(default=None, repr=False)

    @classmethod
    def from_rows(cls, header: list[str], rows: list[tuple[int, list[str]]]) -> _Cells:
        width = len(header)
        records = [record for _, record in rows]
        # A row with too many fields keeps its first ``width``; one with too few reads as empty beyond its
        # end, as a lookup by header name would.
        grid = [r if len(r) == width else (r + [""] * width)[:width] for r in records]
        by_position = list(zip(*grid, strict=True)) if grid else [() for _ in range(width)]
        columns = [pl.Series(cells, dtype=pl.String()) for cells in by_position]
        ragged = any(len(r) != width for r in records)
        return cls(header, [n for n, _ in rows], columns, ragged, records)

    def field_count(self, i: int) -> int:
        return len(self.record(i)) if self.ragged else len(self.header)

    def record(self, i: int) -> list[str]:
        """Row ``i``'s fields as they were read (rebuilt from the columns once, when the file was split in
        polars)."""
        if self.records is None:
            self.records = [list(row) for row in zip(*(c.to_list() for c in self.columns), strict=True)]
        return self.records[i]


_NEEDS_A_READER = ('"', "\r", "\x00")


def _is_plain(data: str | bytes) -> bool:
    """Whether nothing in a file, as text or as its UTF-8 bytes, needs a CSV reader's interpretation: no
    quotes, carriage returns or NULs."""
    marks = _NEEDS_A_READER if isinstance(data, str) else tuple(m.encode() for m in _NEEDS_A_READER)
    return not any(mark in data for mark in marks)


def _read_plain_csv(content: bytes, delimiter: str) -> _Cells | None:
    """The cells of a plain CSV (:func:`_is_plain`), given as UTF-8 bytes without BOM, with no blank line and
    the header's number of fields on every line, read by polars' multi-threaded reader; None for any other
    file.

    The reader keeps a blank line as a row and fills a short row's missing fields, so this path is taken only
    where neither can happen: the delimiters add up to exactly the header's count on every line (one line
    with more fields makes the reader fail, and then no line can have fewer). Most operator files are such
    files, and they are read several times faster than by :func:`_split_plain_csv`, which handles the rest.
    The bytes are counted in place: a copy of a day's report costs as much as the checks.
    """
    header_end = content.find(b"\n")
    if header_end < 0 or not _is_plain(content):
        return None
    end = len(content)
    while end > header_end and content[end - 1] == 0x0A:  # trailing newlines end the file, they hold no rows
        end -= 1
    header_line = content[:header_end].decode("utf-8")
    header = header_line.split(delimiter)
    width, start = len(header), header_end + 1
    if width < 2 or not header_line.strip() or start >= end or content.find(b"\n\n", start, end) >= 0:
        return None
    lines = content.count(b"\n", start, end) + 1
    if content.count(delimiter.encode(), start, end) != (width - 1) * lines:
        return None
    try:
        frame = pl.read_csv(
            content[start:end],
            has_header=False,
            schema={f"c{i}": pl.String() for i in range(width)},
            separator=delimiter,
            quote_char=None,
            empty_string_is_null=False,
        )
    except pl.exceptions.ComputeError:  # a line with more fields than the header
        return None
    if frame.height != lines:
        return None
    return _Cells(header, list(range(2, lines + 2)), frame.get_columns())


def _split_plain_csv(text: str, delimiter: str) -> _Cells | None:
    """The cells of a CSV with no quoting, no carriage returns and the header's number of fields on every
    non-blank line, split in polars; None for any other file, which the csv module then reads.

    On such a file a CSV reader does nothing but split lines at the delimiter, and a day's report of
    thousands of rows is read ~20x faster than row by row in Python; anything a reader would interpret
    (quotes, a lone carriage return, a NUL, a ragged row) goes the general way with its own errors.
    """
    if not _is_plain(text):
        return None
    header_line, _, body = text.partition("\n")
    if not header_line.strip():
        return None
    header = header_line.split(delimiter)
    lines = pl.Series("line", body.split("\n"), dtype=pl.String()).to_frame().with_row_index("n", offset=2)
    rows = lines.filter(pl.col("line").str.strip_chars() != "")  # blank lines are skipped, not rows
    if rows.height and not (rows["line"].str.count_matches(delimiter, literal=True) == len(header) - 1).all():
        return None
    if len(header) == 1:
        columns = [rows["line"]]
    else:
        fields = rows["line"].str.split_exact(delimiter, len(header) - 1).struct.unnest()
        columns = [fields.to_series(i) for i in range(len(header))]
    return _Cells(header, rows["n"].cast(pl.Int64()).to_list(), columns)


def _decode(data: bytes, file_name: str) -> str:
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
    return text


def _delimiter(text: str) -> str:
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]  # not split(): that would copy the whole file
    # European exports use ';' between fields because ',' is their decimal mark.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _read_csv(text: str, file_name: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
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
    return header, rows


def _read_xlsx(
    data: bytes, file_name: str, layout: Layout, limits: ArchiveLimits
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from python_calamine import CalamineWorkbook

    try:  # the reader materialises every part it inflates: the archive is bounded first
        check_zip(data, limits)
    except ArchiveRejected as exc:
        raise FileRejected(file_name, "FILE_FORMAT", f"not a readable XLSX workbook: {exc}") from exc
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


def _type_rows(cells: _Cells, file_name: str, layout: Layout, delimiter: str, decimal_comma: bool) -> ParsedFile:
    header = cells.header
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
    width, n_rows = len(header), len(cells.lines)
    last_position = {name: i for i, name in enumerate(normalised)}  # a repeated header: the last one wins

    typed: dict[str, pl.Series] = {}
    row_problem: list[str | None] = [None] * n_rows
    if cells.ragged:  # the full record is kept in raw_record when the row has a problem
        for i in range(n_rows):
            if cells.field_count(i) != width:
                row_problem[i] = f"ROW_MALFORMED: {cells.field_count(i)} fields, header has {width}"
    problems: dict[str, pl.Series] = {"_row": pl.Series(row_problem, dtype=pl.String())}
    empty = pl.Series([""] * n_rows, dtype=pl.String())
    texts = [cells.columns[last_position[c.source]] if c.source in last_position else empty for c in layout.columns]
    converted = _convert_columns(texts, layout.columns, decimal_comma)
    for column, (values, problem) in zip(layout.columns, converted, strict=True):
        typed[column.name], problems[column.name] = values, problem
    joined = pl.DataFrame(problems).select(pl.concat_str(pl.all(), separator="; ", ignore_nulls=True).alias("e"))
    errors = joined.select(pl.when(pl.col("e") != "").then(pl.col("e"))).to_series()
    raw: list[str | None] = [None] * n_rows
    for i in errors.is_not_null().arg_true().to_list():
        raw[i] = json.dumps(dict(zip(header, cells.record(i), strict=False)), ensure_ascii=False)
    extras: list[str | None] = [None] * n_rows
    if extra:
        for i in range(n_rows):
            values = dict(zip(normalised, cells.record(i), strict=False))
            extras[i] = json.dumps({h: values.get(h) for h in extra}, ensure_ascii=False)

    frame = pl.DataFrame(
        {
            "source_row": pl.Series(cells.lines, dtype=pl.Int64()),
            **typed,
            "extra_columns": pl.Series(extras, dtype=pl.String()),
            "parse_errors": errors,
            "raw_record": pl.Series(raw, dtype=pl.String()),
        }
    )
    return ParsedFile(frame=frame, extra_columns=extra, delimiter=delimiter, decimal_comma=decimal_comma)


def _convert_columns(
    texts: list[pl.Series], columns: tuple[Column, ...], decimal_comma: bool
) -> list[tuple[pl.Series, pl.Series]]:
    """Type each text column: (values, problem per row) per column. polars casts the common forms of all
    columns in one query; a non-empty cell it cannot cast goes through :func:`_convert`, the per-cell
    rule, so both paths give the same result."""
    names = [f"t{k}" for k in range(len(columns))]
    casts = [_fast_cast(pl.col(n), c, decimal_comma).alias(f"v{n}") for n, c in zip(names, columns, strict=True)]
    # One lazy query, so polars strips and casts the columns in parallel rather than one after another.
    out = (
        pl.DataFrame([t.alias(n) for t, n in zip(texts, names, strict=True)])
        .lazy()
        .select(pl.all().str.strip_chars())
        .with_columns(casts)
        .collect()
    )
    # Cells the fast path left null although they hold text: only these are converted one by one.
    pending = out.select([(pl.col(f"v{n}").is_null() & (pl.col(n) != "")).alias(n) for n in names])
    counts = pending.sum().row(0) if out.height else (0,) * len(names)
    results = []
    for name, column, count in zip(names, columns, counts, strict=True):
        values = out[f"v{name}"].alias(column.name)
        problems = pl.repeat(None, out.height, dtype=pl.String(), eager=True)
        if count:
            typed, notes = values.to_list(), problems.to_list()
            cells = out[name]
            for i in pending[name].arg_true().to_list():
                typed[i], notes[i] = _convert(cells[i], column, decimal_comma)
            values = pl.Series(column.name, typed, dtype=_POLARS_TYPES[column.type])
            problems = pl.Series(notes, dtype=pl.String())
        results.append((values, problems))
    return results


def _fast_cast(text: pl.Expr, column: Column, decimal_comma: bool) -> pl.Expr:
    """The vectorised cast of the forms polars reads itself; null where it cannot (or the cell is empty)."""
    dtype = _POLARS_TYPES[column.type]
    if column.type == "string":
        return pl.when(text != "").then(text)
    if column.type == "date":
        return pl.when(text.str.len_chars() >= 10).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
    number = text.str.replace(",", ".", literal=True) if decimal_comma else text
    as_float = number.cast(pl.Float64(), strict=False)
    whole = as_float == as_float.floor()
    return pl.when(as_float.is_finite() & (whole if column.type == "int" else True)).then(as_float).cast(dtype)


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
