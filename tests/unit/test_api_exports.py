"""CSV exports escape text cells a spreadsheet would run as a formula (OWASP), and leave numbers alone."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pytest

from da_platform.api.exports import escape_formulas, to_csv


@pytest.mark.parametrize("text", ['=HYPERLINK("http://example.org","click")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_text_cell_starting_a_formula_is_prefixed_with_a_quote(text: str) -> None:
    escaped = escape_formulas(pl.DataFrame({"well_id": [text]}))

    assert escaped["well_id"].to_list() == ["'" + text]


@pytest.mark.parametrize("text", ["15/9-F-12", "MÆRSK INSPIRER", "a=b", "", None])
def test_ordinary_text_is_unchanged(text: str | None) -> None:
    assert escape_formulas(pl.DataFrame({"well_id": [text]}, schema={"well_id": pl.String}))["well_id"].to_list() == [
        text
    ]


def test_negative_numbers_and_dates_stay_values_in_the_csv() -> None:
    frame = pl.DataFrame(
        {"production_date": [date(2016, 3, 1)], "well_id": ["=1+1"], "volume_delta_sm3": [-5.0], "n": [-3]}
    )

    text = to_csv(frame)
    back = pl.read_csv(io.StringIO(text), try_parse_dates=True)

    assert text.splitlines()[1] == "2016-03-01,'=1+1,-5.0,-3"
    assert back.schema["volume_delta_sm3"] == pl.Float64 and back["volume_delta_sm3"].to_list() == [-5.0]
    assert back["production_date"].to_list() == [date(2016, 3, 1)]
