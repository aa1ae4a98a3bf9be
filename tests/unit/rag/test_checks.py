"""The always-on checks: each one fails when it should, and passes stated rounding."""

from __future__ import annotations

from datetime import date

import pytest

from da_platform.rag.analysis import Fact
from da_platform.rag.checks import CheckFailed, Citation, check_citations, check_names, check_numbers
from da_platform.rag.documents import Chunk
from tests.unit.rag.conftest import VOLVE_WELLS

CARD = Chunk(
    "gold.fct_field_daily_production:field_id=VOLVE;production_date=2016-03-14",
    "gold.fct_field_daily_production",
    "field_day",
    "Daily report card, field VOLVE, 2016-03-14: oil 1369.6 Sm3, change vs previous day 38.2 Sm3; uptime 80.0%",
    None,
    "VOLVE",
    date(2016, 3, 14),
    date(2016, 3, 14),
)
FACTS = [
    Fact("gold.fct_well_daily_production", {"well_id": "15/9-F-11"}, "change(oil_sm3)", 23.27),
    Fact("gold.fct_well_daily_production", {"well_id": "15/9-F-11"}, "uptime", 0.958333),
]


def test_numbers_equal_to_facts_at_the_shown_rounding_pass_and_are_reported_as_used() -> None:
    used = check_numbers("15/9-F-11 rose by 23.3 Sm3 at 95.8% uptime on 2016-03-14 [1].", FACTS, [])
    assert used == FACTS


def test_a_number_found_in_a_cited_chunk_passes() -> None:
    assert check_numbers("Field oil was 1369.6 Sm3 [1].", FACTS, [CARD]) == []


def test_an_invented_number_fails() -> None:
    with pytest.raises(CheckFailed, match="9999"):
        check_numbers("15/9-F-11 rose by 9999 Sm3.", FACTS, [CARD])


def test_a_number_off_by_more_than_its_rounding_fails() -> None:
    with pytest.raises(CheckFailed, match=r"23\.4"):
        check_numbers("15/9-F-11 rose by 23.4 Sm3.", FACTS, [])


def test_a_citation_to_a_chunk_that_is_not_indexed_fails() -> None:
    with pytest.raises(CheckFailed, match="does not resolve"):
        check_citations([Citation("gold.x:id=1", "gold.x", "oil")], {CARD.id: CARD})


def test_a_quote_that_is_not_verbatim_fails() -> None:
    with pytest.raises(CheckFailed, match="not in that chunk"):
        check_citations([Citation(CARD.id, CARD.source, "oil 1400.0 Sm3")], {CARD.id: CARD})


def test_a_verbatim_quote_of_an_indexed_chunk_passes() -> None:
    check_citations([Citation(CARD.id, CARD.source, "oil 1369.6 Sm3")], {CARD.id: CARD})


def test_a_day_without_data_fails_and_a_day_with_data_passes() -> None:
    days = {date(2016, 3, 13), date(2016, 3, 14)}
    check_names("On 2016-03-14 oil rose.", VOLVE_WELLS, days, [])
    with pytest.raises(CheckFailed, match="2016-03-20"):
        check_names("On 2016-03-20 oil rose.", VOLVE_WELLS, days, [])


def test_a_well_that_does_not_exist_fails() -> None:
    with pytest.raises(CheckFailed, match="F-99"):
        check_names("15/9-F-99 drove the drop.", VOLVE_WELLS, set(), [])
