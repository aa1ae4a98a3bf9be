"""Every refusal reason exists in English and in Spanish, and Spanish questions get the Spanish one."""

from __future__ import annotations

from datetime import date

import pytest

from da_platform.rag.query import REASONS, Problem, parse_query, reason_code, spanish_reason
from da_platform.rag.service import refusal

WELLS = {"15/9-F-12": "NO 15/9-F-12 H", "15/9-F-14": "NO 15/9-F-14 H", "15/9-F-1 C": "NO 15/9-F-1 C"}
LATEST = date(2016, 9, 17)
UNTRANSLATED = "pregunta rechazada ("


@pytest.mark.parametrize("code", list(REASONS))
def test_every_reason_code_has_a_spanish_text_that_its_example_gets(code: str) -> None:
    entry = REASONS[code]
    assert reason_code(entry.example) == code  # the example is read as its own code, not an earlier one
    spanish = spanish_reason(entry.example)
    assert spanish != entry.example and not spanish.startswith(UNTRANSLATED)


@pytest.mark.parametrize("code", list(REASONS))
def test_a_spanish_refusal_of_every_code_gives_the_spanish_text(code: str) -> None:
    entry = REASONS[code]
    assert refusal(entry.example, language="es").reason == spanish_reason(entry.example)
    assert refusal(entry.example, language="en").reason == entry.example


def test_spanish_periods_and_metrics_inside_a_reason_are_written_in_spanish() -> None:
    reason = spanish_reason("no water cut data for 15/9-F-12 from 2015-03-01 to 2015-03-31")
    assert reason == "no hay datos de corte de agua para 15/9-F-12 del 2015-03-01 al 2015-03-31"


def test_several_reasons_joined_are_translated_one_by_one() -> None:
    joined = "2016-02-30 is not a calendar date; the period ends (2015-03-01) before it starts (2015-03-31)"
    assert spanish_reason(joined) == (
        "2016-02-30 no es una fecha del calendario; el periodo termina (2015-03-01) antes de empezar (2015-03-31)"
    )


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuál será la producción de petróleo de 15/9-F-12 en los próximos 200 días?",
        "¿Cuáles son los 500 pozos con mayor producción de petróleo en 2015?",
        "Compara el petróleo de 15/9-F-12, 15/9-F-14 y 15/9-F-1 C en 2015",
        "¿Cuánto petróleo produjo 15/9-F-12 el 2016-02-30?",
        "¿Cuánto petróleo produjo 15/9-F-12 del 2015-03-31 al 2015-03-01?",
        "¿Cuál es la capital de Francia?",
        "¿Cuánto petróleo produjo 15/9-F-12 en marzo?",
        "¿Qué eventos hubo en marzo de 2015?",
    ],
)
def test_spanish_questions_refused_by_the_parser_have_a_known_code_and_a_spanish_reason(question: str) -> None:
    problem = parse_query(question, WELLS, ("VOLVE",), LATEST)
    assert isinstance(problem, Problem) and problem.language == "es"
    assert reason_code(problem.reason) is not None or all(reason_code(p) for p in problem.reason.split("; "))
    assert not refusal(problem.reason, language="es").reason.startswith(UNTRANSLATED)
