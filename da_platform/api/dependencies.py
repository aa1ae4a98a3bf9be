"""The explain engine, opened lazily: the API runs (and says so) before the engine is installed."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from da_platform.api.logs import LOGGER
from da_platform.api.problems import ApiProblem

log = logging.getLogger(LOGGER)


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


class ExplainEngine:
    """The environment's explainer, opened by ``factory(settings)`` on first use, once, behind a lock.

    Opening loads the index (seconds), so it waits for the first question or health check instead of
    delaying the server's start; a failed open is retried on the next use, and answers 503 meanwhile.
    """

    def __init__(
        self, settings: Any, factory: Callable[[Any], Explainer] = open_explainer, explainer: Explainer | None = None
    ) -> None:
        self.settings, self.factory = settings, factory
        self._explainer = explainer
        self.error: str | None = None
        self._lock = threading.Lock()
        self.warming: threading.Thread | None = None  # the warm-up started when the engine opened

    def _warm_up(self, explainer: Explainer) -> None:
        """Load the engine's first-use costs (model, forecast kernels) beside the first question, not in it."""
        warm = getattr(explainer, "warm_up", None)
        if warm is None:
            return

        def run() -> None:
            try:
                warm()
            except Exception as exc:  # a failed warm-up costs the first question its time, nothing more
                log.warning("explain warm-up failed", extra={"event": "explain_warm_up_failed", "error": str(exc)})

        # Not a daemon: a server stopped mid warm-up waits for it (seconds) at exit, instead of finalising the
        # interpreter under a thread inside the model runtime or numba's compiler, which aborts the process.
        self.warming = threading.Thread(target=run, name="explain-warm-up", daemon=False)
        self.warming.start()

    def get(self) -> Explainer:
        """The open engine; :class:`ApiProblem` 503 (``explain-unavailable``) when it cannot be opened."""
        if self._explainer is not None:
            return self._explainer
        with self._lock:
            if self._explainer is None:
                try:
                    self._explainer = self.factory(self.settings)
                    self.error = None
                    self._warm_up(self._explainer)
                except ExplainerUnavailable as exc:
                    self.error = str(exc)
                    raise ApiProblem(503, "Explain engine unavailable", str(exc), "explain-unavailable") from exc
                except Exception as exc:
                    self.error = "explain engine failed to open"
                    log.error(
                        "explain engine failed to open",
                        extra={"event": "explain_open_failed", "error_type": type(exc).__name__},
                    )
                    raise ApiProblem(503, "Explain engine unavailable", self.error, "explain-unavailable") from exc
        return self._explainer
