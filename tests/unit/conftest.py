"""Unit-test fixtures: the bundled Volve sample, parsed and conformed once per test session.

Tests slice real Volve rows (``volve_daily_lines``) into small files rather than inventing data. Line
``i`` of the file (0-based, header at 0) is source row ``i + 1``, so ``volve_daily_lines[1983]`` is
row 1984.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

import da_platform
from da_platform.ingest.bronze import bronze_rows
from da_platform.ingest.layouts import DAILY, MONTHLY, REGISTER, Layout
from da_platform.lakehouse.cleaning import SilverResult, conform_daily, conform_monthly, conform_register
from da_platform.lakehouse.delta_lake import LocalLake

SAMPLE_LANDING = Path(da_platform.__file__).parent / "sample_data" / "landing"
VOLVE_DAILY = SAMPLE_LANDING / "daily" / "volve_daily_production.csv"
VOLVE_MONTHLY = SAMPLE_LANDING / "monthly" / "volve_monthly_production.csv"
VOLVE_REGISTER = SAMPLE_LANDING / "reference" / "well_register.csv"
ARRIVED = datetime(2024, 5, 2, 6, 0, tzinfo=UTC)

BronzeMaker = Callable[..., pl.DataFrame]
XlsxWriter = Callable[..., Path]


def _bronze(data: bytes, layout: Layout, file_name: str, version: int = 1, arrived_at: datetime = ARRIVED):
    frame, _ = bronze_rows(data, layout, file_name, hashlib.sha256(data).hexdigest(), version, arrived_at)
    return frame


@pytest.fixture(scope="session")
def volve_daily_lines() -> tuple[str, ...]:
    """The bundled daily CSV as text lines: the header, then 15,634 data rows."""
    return tuple(VOLVE_DAILY.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="session")
def volve_register_lines() -> tuple[str, ...]:
    """The bundled well register as text lines (header first)."""
    return tuple(VOLVE_REGISTER.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="session")
def volve_register() -> pl.DataFrame:
    """The bundled register, conformed."""
    return conform_register(_bronze(VOLVE_REGISTER.read_bytes(), REGISTER, VOLVE_REGISTER.name))


@pytest.fixture(scope="session")
def volve_bronze() -> pl.DataFrame:
    """The whole bundled daily CSV as bronze rows."""
    return _bronze(VOLVE_DAILY.read_bytes(), DAILY, VOLVE_DAILY.name)


@pytest.fixture(scope="session")
def volve_silver(volve_bronze: pl.DataFrame, volve_register: pl.DataFrame) -> SilverResult:
    """The whole bundled daily CSV conformed against the bundled register."""
    return conform_daily(volve_bronze, volve_register)


@pytest.fixture(scope="session")
def volve_reported_monthly() -> pl.DataFrame:
    """The operator's reported monthly sheet, conformed."""
    return conform_monthly(_bronze(VOLVE_MONTHLY.read_bytes(), MONTHLY, VOLVE_MONTHLY.name))


@pytest.fixture
def make_bronze() -> BronzeMaker:
    """Bronze rows of a small daily CSV: text lines (the header first) or the file's bytes."""

    def make(
        lines: Sequence[str] | bytes, file_name: str = "daily.csv", version: int = 1, arrived_at: datetime = ARRIVED
    ) -> pl.DataFrame:
        data = lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode("utf-8")
        return _bronze(data, DAILY, file_name, version, arrived_at)

    return make


@pytest.fixture
def make_register() -> Callable[[Sequence[str]], pl.DataFrame]:
    """Bronze rows of a small well register built from text lines (the header first)."""

    def make(lines: Sequence[str]) -> pl.DataFrame:
        return _bronze(("\n".join(lines) + "\n").encode("utf-8"), REGISTER, "well_register.csv")

    return make


def _xlsx_cell(text: str, column_type: str | None) -> object:
    """A CSV field as the typed cell an Excel export holds: real dates and numbers, empty as blank."""
    if text == "":
        return None
    if column_type == "date":
        return datetime.fromisoformat(text)
    if column_type == "int":
        return int(text)
    if column_type == "float":
        return float(text)
    return text


@pytest.fixture
def write_volve_xlsx(tmp_path: Path) -> XlsxWriter:
    """Write CSV lines (header first) as a workbook like the operator's export and return its path."""
    from openpyxl import Workbook

    def write(
        lines: Sequence[str],
        name: str = "volve_daily.xlsx",
        sheet: str = "Daily Production Data",
        leading_sheet: str | None = None,
    ) -> Path:
        workbook = Workbook()
        first = workbook.active
        if leading_sheet:
            first.title = leading_sheet
            first.append(["Volve field, daily production report"])
            data_sheet = workbook.create_sheet(sheet)
        else:
            first.title = sheet
            data_sheet = first
        header = lines[0].split(",")
        types = [DAILY.by_source().get(h) for h in header]
        data_sheet.append(header)
        for line in lines[1:]:
            data_sheet.append(
                [_xlsx_cell(v, c.type if c else None) for v, c in zip(line.split(","), types, strict=True)]
            )
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def lake(tmp_path: Path) -> LocalLake:
    """An empty dev lake in a temporary environment folder."""
    return LocalLake(tmp_path / "dev" / "lake", "dev")
