"""Small helpers that shape asset metadata for the Dagster UI."""

import polars as pl


def markdown_table(frame: pl.DataFrame, limit: int = 50) -> str:
    """A polars frame as a Markdown table (first ``limit`` rows) for MetadataValue.md."""
    if frame.height == 0:
        return "none"
    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    body = "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in frame.head(limit).iter_rows())
    return head + body
