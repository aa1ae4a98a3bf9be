"""The structured query parsed from English and Spanish questions (no warehouse: a wells dict is enough)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from da_platform.rag.analysis import Fact
from da_platform.rag.checks import CheckFailed, check_numbers, check_query
from da_platform.rag.query import Problem, Query, detect_language, parse_query

WELLS = {"15/9-F-12": "NO 15/9-F-12 H", "15/9-F-14": "NO 15/9-F-14 H", "15/9-F-1 C": "NO 15/9-F-1 C"}
LATEST = date(2016, 9, 17)


def parse(text: str, wells=WELLS) -> Query | Problem:
    return parse_query(text, wells, ("VOLVE",), LATEST)


@pytest.mark.parametrize(
    ("text", "kind", "metric", "label"),
    [
        ("Which well had the highest water cut in June 2015?", "ranking", "water_cut", "2015-06"),
        ("¿Qué pozo tuvo el mayor corte de agua en junio de 2015?", "ranking", "water_cut", "2015-06"),
        ("How much oil was deferred by downtime in 2015-09?", "deferment", "deferred_oil", "2015-09"),
        ("Compare 15/9-F-12 and 15/9-F-14 oil in 2014", "comparison", "oil", "2014"),
        ("¿Cuánto petróleo produjo F-14 en el primer trimestre de 2015?", "value", "oil", "2015-Q1"),
        ("What was the GOR of F-12 in Q3 2014?", "value", "gor", "2014-Q3"),
        (
            "How did F-12 on-stream hours evolve from 2015-03-01 to 2015-03-20?",
            "trend",
            "on_stream_hours",
            "2015-03-01 to 2015-03-20",
        ),
        ("¿Por qué bajó el petróleo de Volve el 29 de agosto de 2009?", "change", "oil", "2009-08-29"),
    ],
)
def test_kind_metric_and_period_are_parsed_in_both_languages(text, kind, metric, label) -> None:
    q = parse(text)
    assert isinstance(q, Query), q
    assert (q.kind, q.metric, q.period.label) == (kind, metric, label)


def test_a_relative_period_ends_on_the_latest_day_in_gold() -> None:
    q = parse("What was F-12 liquid in the last week?")
    assert isinstance(q, Query) and q.metric == "liquid"
    assert (q.period.start, q.period.end, q.period.relative_to) == (date(2016, 9, 11), LATEST, LATEST)
    es = parse("¿Cuál fue el líquido de F-12 en los últimos 30 días?")
    assert es.period.start == date(2016, 8, 19) and es.language == "es"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("What was Volve oil in March?", "needs a year"),
        ("What was Volve oil from 2015-03-20 to 2015-03-01?", "before it starts"),
        ("What was the pressure of F-12 in 2015?", "supported metrics are"),
        ("Plot F-12 oil in 2015", "supported kinds are"),
        ("What were the oil and gas of F-12 in 2015-06?", "ambiguous metric"),
        ("What is the capital of France?", "out of scope"),
    ],
)
def test_unsupported_or_ambiguous_questions_are_problems_with_the_candidates(text, words) -> None:
    problem = parse(text)
    assert isinstance(problem, Problem) and words in problem.reason


def test_a_well_number_two_wellbores_share_is_refused_with_both() -> None:
    wells = {**WELLS, "15/9-F-1 A": "NO 15/9-F-1 A"}
    problem = parse("What was F-1 oil in 2015?", wells)
    assert isinstance(problem, Problem) and problem.candidates == ("15/9-F-1 A", "15/9-F-1 C")


def test_language_is_detected_per_question() -> None:
    assert detect_language("¿Cuál fue el petróleo de F-12 en 2015?") == "es"
    assert detect_language("What was the oil of F-12 in 2015?") == "en"


def test_spanish_numbers_are_read_with_a_decimal_comma() -> None:
    facts = [Fact("t", {}, "oil", 1331.44)]
    assert check_numbers("El petróleo fue 1331,4 Sm3 en 2015", facts, [], "es") == facts
    with pytest.raises(CheckFailed):
        check_numbers("El petróleo fue 1331,9 Sm3", facts, [], "es")


def test_an_answer_to_another_period_fails_the_query_check() -> None:
    asked = parse("What was F-12 oil in 2015-06?")
    other = parse("What was F-12 oil in 2015-07?")
    check_query(asked, asked)
    with pytest.raises(CheckFailed, match="period"):
        check_query(asked, other)


def test_a_forecast_question_is_answered_from_the_stored_forecast_with_its_band() -> None:
    import polars as pl

    from da_platform.rag.kinds import forecast_expected

    days = [date(2016, 9, 18) + timedelta(days=i) for i in range(10)]
    table = pl.DataFrame(
        {
            "well_id": ["15/9-F-12"] * 10,
            "product": ["oil"] * 10,
            "date": days,
            "p10": [80.0] * 10,
            "p50": [100.0] * 10,
            "p90": [120.0] * 10,
            "uptime": [0.5] * 10,
            "volume_p50": [50.0] * 10,
            "model": ["ets"] * 10,
            "status": ["ok"] * 10,
            "model_version": ["3"] * 10,
            "mlflow_run_id": ["r"] * 10,
        }
    )
    q = parse("¿Cuál es el pronóstico de petróleo de F-12 para los próximos 7 días?")
    assert isinstance(q, Query) and (q.kind, q.aspect, q.horizon_days) == ("forecast", "expected", 7)
    facts, lines, answered = forecast_expected(q, table, ["15/9-F-12"], "VOLVE")
    assert "próximos 7 días (2016-09-18 a 2016-09-24" in lines[0][0] and "350,0 Sm3" in lines[0][0]
    assert "P10 80,0, P50 100,0, P90 120,0 Sm3/d" in lines[0][0]
    check_numbers(lines[0][0], facts, [], "es")
    check_query(q, answered)


def test_a_change_is_the_difference_of_the_values_as_written_not_a_second_rounding() -> None:
    from da_platform.rag.compose import written_change

    # 1369.56 - 1331.44 = 38.12 would print 38.1 next to "from 1331.4 to 1369.6": the answer says 38.2.
    assert written_change(1331.44, 1369.56) == 38.2


def test_a_facility_is_named_as_people_write_it_and_is_its_own_scope() -> None:
    q = parse_query("What was the oil of the Maersk Inspirer facility in 2015?", WELLS, ("VOLVE",), LATEST,
                    ("MÆRSK INSPIRER",))  # fmt: skip
    assert isinstance(q, Query) and (q.facility, q.field, q.wells) == ("MÆRSK INSPIRER", None, ())
    both = parse_query("What was F-12 oil at Maersk Inspirer in 2015?", WELLS, ("VOLVE",), LATEST, ("MÆRSK INSPIRER",))
    assert isinstance(both, Problem) and "not several" in both.reason


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("¿Qué 50 pozos produjeron más petróleo en 2015?", "top"),
        ("¿Qué 50 pozos produjeron menos petróleo en 2015?", "bottom"),
        ("Which 50 wells produced the most oil in 2015?", "top"),
        ("Which 50 wells produced the least oil in 2015?", "bottom"),
    ],
)
def test_a_number_before_wells_asks_for_a_ranking_of_that_many_wells(text: str, order: str) -> None:
    q = parse(text)
    assert isinstance(q, Query), q
    assert (q.kind, q.metric, q.n, q.order, q.period.label) == ("ranking", "oil", 50, order, "2015")


def test_a_ranking_longer_than_the_sanity_bound_is_refused() -> None:
    q = parse("Which 500 wells produced the most oil in 2015?")
    assert isinstance(q, Problem) and q.reason == "a ranking lists 1 to 100 wells"


@pytest.mark.parametrize(
    "text",
    [
        "How did the oil of the Maersk Inspirer facility evolve in 2015?",
        "¿Cómo evolucionó el petróleo de la instalación Maersk Inspirer en 2015?",
    ],
)
def test_evolve_does_not_name_the_volve_field_beside_a_facility(text: str) -> None:
    q = parse_query(text, WELLS, ("VOLVE",), LATEST, ("MÆRSK INSPIRER",))
    assert isinstance(q, Query), q
    assert (q.kind, q.metric, q.facility, q.field, q.wells) == ("trend", "oil", "MÆRSK INSPIRER", None, ())


def test_hand_written_questions_are_appended_to_the_generated_set(tmp_path) -> None:
    import json

    from da_platform.rag.evaluation import load_eval_set

    generated, extra = tmp_path / "set.json", tmp_path / "extra.json"
    generated.write_text(json.dumps([{"id": "q001", "question": "a?", "refuse": True, "sources": []}]))
    extra.write_text(json.dumps([{"question": "Which runbook covers a production drop?", "sources": ["r#s"]}]))
    items = load_eval_set(generated, extra)
    assert [i["id"] for i in items] == ["q001", "x001"] and items[1]["refuse"] is False
