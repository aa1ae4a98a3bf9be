"""Question parsing: wells in every spelling, dates, months, products and out-of-scope questions."""

from __future__ import annotations

from datetime import date

import pytest

from da_platform.rag.entities import parse_question
from tests.unit.rag.conftest import VOLVE_WELLS


@pytest.mark.parametrize("spelling", ["15/9-F-12", "F-12", "F12", "NO 15/9-F-12 H", "f-12"])
def test_every_spelling_of_a_well_resolves_to_its_register_id(spelling: str) -> None:
    parsed = parse_question(f"Why did {spelling} oil drop on 2016-03-14?", VOLVE_WELLS)
    assert parsed.wells == ("15/9-F-12",)
    assert parsed.unknown_wells == ()


def test_a_well_with_a_wellbore_letter_resolves_with_or_without_it() -> None:
    assert parse_question("oil of F-1 C on 2016-03-14", VOLVE_WELLS).wells == ("15/9-F-1 C",)
    assert parse_question("oil of F-15 on 2016-03-14", VOLVE_WELLS).wells == ("15/9-F-15 D",)


def test_a_well_that_does_not_exist_is_kept_as_unknown() -> None:
    parsed = parse_question("Why did 15/9-F-99 drop on 2016-03-14?", VOLVE_WELLS)
    assert parsed.wells == ()
    assert parsed.unknown_wells == ("15/9-F-99",)


def test_a_word_starting_like_a_wellbore_letter_is_not_taken_for_one() -> None:
    assert parse_question("Why did F-11 decline on 2016-03-14?", VOLVE_WELLS).wells == ("15/9-F-11",)


def test_iso_days_named_months_and_days_written_out_are_read() -> None:
    assert parse_question("Why did Volve oil drop on 2016-03-14?", VOLVE_WELLS).day == date(2016, 3, 14)
    assert parse_question("Which wells drove the decline in May 2015?", VOLVE_WELLS).month == (2015, 5)
    assert parse_question("What happened to oil on 14 March 2016?", VOLVE_WELLS).day == date(2016, 3, 14)
    assert parse_question("Oil decline in 2015-05?", VOLVE_WELLS).month == (2015, 5)


def test_an_impossible_date_is_reported_not_guessed() -> None:
    parsed = parse_question("Why did Volve oil drop on 2016-02-30?", VOLVE_WELLS)
    assert parsed.day is None
    assert parsed.notes == ("2016-02-30 is not a calendar date",)


def test_field_product_and_direction_are_recognised() -> None:
    parsed = parse_question("Why did Volve gas rise on 2016-03-14?", VOLVE_WELLS)
    assert (parsed.field, parsed.product, parsed.direction, parsed.kind) == ("VOLVE", "gas", "up", "change")


def test_question_kinds_follow_the_wording() -> None:
    assert parse_question("Which wells drove the decline in May 2015?", VOLVE_WELLS).kind == "drivers"
    assert parse_question("Why is the forecast for 15/9-F-12 lower than last month's?", VOLVE_WELLS).kind == (
        "forecast_change"
    )
    assert parse_question("How much oil did F-12 produce on 2016-03-14?", VOLVE_WELLS).kind == "value"


@pytest.mark.parametrize(
    "question", ["What is the capital of France?", "Write a poem about the North Sea.", "<script>alert(1)</script>"]
)
def test_questions_not_about_production_are_out_of_scope(question: str) -> None:
    assert parse_question(question, VOLVE_WELLS).kind == "out_of_scope"
