"""The operations runbooks exist, are chunked for the explanation index, and each has an evaluation question."""

from __future__ import annotations

from da_platform.rag.documents import runbook_chunks
from da_platform.rag.evaluation import RUNBOOK_QUESTIONS, load_eval_set

OPERATIONS = ("failed-run", "quarantine-spike", "freshness-breach", "restore", "key-rotation", "pr-cleanup",
              "model-rollback")  # fmt: skip


def test_every_operations_runbook_has_an_evaluation_question_whose_source_is_an_indexed_section() -> None:
    chunk_ids = {c.id for c in runbook_chunks()}
    questions = [i for i in load_eval_set() if i["kind"] == "runbook"]

    assert [i["question"] for i in questions] == [q for q, _ in RUNBOOK_QUESTIONS]  # the committed set is current
    covered = {i["sources"][0].removeprefix("docs/runbooks/").split(".md#")[0] for i in questions}
    assert covered == set(OPERATIONS)
    for item in questions:
        assert not item["refuse"] and set(item["sources"]) <= chunk_ids, item["id"]


def test_runbooks_that_differ_per_environment_say_how() -> None:
    sections = {c.id for c in runbook_chunks()}
    for name in OPERATIONS:
        assert f"docs/runbooks/{name}.md#per-environment" in sections, name
