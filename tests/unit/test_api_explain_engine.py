"""The API's explain engine opens once, then warms its first-use costs beside the first question."""

from __future__ import annotations

import threading

from da_platform.api.dependencies import ExplainEngine


class SlowWarmExplainer:
    """An engine whose warm-up waits until the test lets it finish."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.warmed = threading.Event()

    def warm_up(self) -> None:
        self.release.wait(10)
        self.warmed.set()

    def explain(self, question: str) -> dict:
        return {"answer": question}

    def index_status(self) -> dict:
        return {"ready": True}


def test_the_engine_answers_before_its_warm_up_finishes_and_the_warm_up_then_completes() -> None:
    explainer = SlowWarmExplainer()
    engine = ExplainEngine(settings=None, factory=lambda settings: explainer)
    assert engine.get() is explainer  # returned while the warm-up still waits
    assert not explainer.warmed.is_set()
    explainer.release.set()
    assert engine.warming is not None
    engine.warming.join(5)
    assert explainer.warmed.is_set() and not engine.warming.is_alive()


def test_a_failing_warm_up_leaves_the_engine_open() -> None:
    class Failing(SlowWarmExplainer):
        def warm_up(self) -> None:
            self.warmed.set()
            raise RuntimeError("no model file")

    explainer = Failing()
    engine = ExplainEngine(settings=None, factory=lambda settings: explainer)
    assert engine.get() is explainer
    assert engine.warming is not None
    engine.warming.join(5)
    assert explainer.warmed.is_set() and not engine.warming.is_alive()
    assert engine.get() is explainer and engine.error is None
