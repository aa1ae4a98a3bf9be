"""CSV exports that a spreadsheet opens as data, never as formulas (OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets evaluate a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and
strip a leading tab or carriage return before looking), so a text such as ``=HYPERLINK(...)`` in an
export runs when the file is opened. OWASP's remedy: prefix such a text cell with a single quote, which
the spreadsheet shows as plain text. Only text columns are touched: a number such as ``-5.0`` in a
numeric column stays a number (a quote would turn it into text and break every sum over it).
"""

from __future__ import annotations

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet would evaluate prefixed with ``'``."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        [
            pl.when(pl.col(c).str.contains(FORMULA_START))
            .then(pl.concat_str(pl.lit("'"), pl.col(c)))
            .otherwise(pl.col(c))
            .alias(c)
            for c in text
        ]
    )


def to_csv(frame: pl.DataFrame) -> str:
    """The CSV text of ``frame`` with formula cells escaped."""
    return escape_formulas(frame).write_csv()
