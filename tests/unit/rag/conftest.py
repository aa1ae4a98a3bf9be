"""Fixtures for the explanation package: the real embedder (loaded once) and Volve well-day rows."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from da_platform.rag.embedder import MiniLMEmbedder

# Gold rows of two real Volve days (2016-03-13 and 2016-03-14), as dbt builds them from the bundled sample.
VOLVE_WELLS = {
    "15/9-F-1 C": "NO 15/9-F-1 C",
    "15/9-F-11": "NO 15/9-F-11 H",
    "15/9-F-12": "NO 15/9-F-12 H",
    "15/9-F-14": "NO 15/9-F-14 H",
    "15/9-F-15 D": "NO 15/9-F-15 D",
    "15/9-F-4": "NO 15/9-F-4 AH",
    "15/9-F-5": "NO 15/9-F-5 AH",
}


class CountingEmbedder:
    """The real MiniLM embedder, counting the texts it was asked to embed."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: list[str]):
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX from PyPI), loaded once per session."""
    return MiniLMEmbedder()


@pytest.fixture
def embedder(minilm: MiniLMEmbedder) -> CountingEmbedder:
    """The real embedder behind a counter."""
    return CountingEmbedder(minilm)


@pytest.fixture
def volve_well_days() -> pl.DataFrame:
    """Gold well-day rows of 15/9-F-11 and 15/9-F-12 on 2016-03-13 and 2016-03-14 (real Volve values)."""
    rows = [
        (date(2016, 3, 13), "15/9-F-11", 810.39, 24.0, 1.0, -29.88, 840.27),
        (date(2016, 3, 14), "15/9-F-11", 833.66, 24.0, 1.0, 23.27, 810.39),
        (date(2016, 3, 13), "15/9-F-12", 238.35, 24.0, 1.0, -8.79, 247.14),
        (date(2016, 3, 14), "15/9-F-12", 245.19, 24.0, 1.0, 6.84, 238.35),
    ]
    return pl.DataFrame(
        [
            {
                "production_date": d,
                "well_id": w,
                "field_id": "VOLVE",
                "on_stream_hrs": h,
                "uptime": u,
                "oil_sm3": oil,
                "gas_sm3": oil * 150,
                "water_sm3": 100.0,
                "water_cut": 0.1,
                "oil_rate_sm3d": oil,
                "prev_day_oil_sm3": prev,
                "oil_dod_change_sm3": change,
            }
            for d, w, oil, h, u, change, prev in rows
        ]
    )
