"""The explain engine, opened lazily: the API runs (and says so) before the engine is installed."""

from __future__ import annotations

import importlib
from typing import Any, Protocol


class Explainer(Protocol):
    """What ``da_platform.rag.service.open_explainer(settings)`` returns."""

    def explain(self, question: str) -> Any:  # an Explanation with .to_dict()
        ...

    def index_status(self) -> dict: ...


class ExplainerUnavailable(RuntimeError):
    """The engine module is missing or could not open its index."""


ENGINE_MODULE = "da_platform.rag.service"


def open_explainer(settings) -> Explainer:
    """Import the engine at call time and open it for ``settings``; ExplainerUnavailable if it is absent."""
    try:
        module = importlib.import_module(ENGINE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and ENGINE_MODULE.startswith(exc.name):
            raise ExplainerUnavailable("explain engine not installed") from exc
        raise
    return module.open_explainer(settings)
