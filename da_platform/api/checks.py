"""The readiness checks ``/health`` reports: warehouse, lake, explain index and model registry.

Each check answers ``{"ready": bool, "detail": str}`` and never raises: a dependency that cannot be read is
"not ready", with a detail that names no path, host or secret. Checks are not free (the registry asks
MLflow, the index check may open the explain engine), so each is cached for a few seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from da_platform.api.dependencies import ExplainEngine
from da_platform.api.gold import GoldReader, GoldUnavailable
from da_platform.api.problems import ApiProblem
from da_platform.catalog import FORECAST_WELL_DAILY, SILVER_PRODUCTION
from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import Lake

Check = dict[str, Any]
_HEALTH_TTL_S = 5.0
_REGISTRY_TTL_S = 60.0


class Cached:
    """A value recomputed at most once per ``ttl`` seconds (readiness checks are not free)."""

    def __init__(self, ttl: float, compute: Callable[[], Any], clock: Callable[[], float]) -> None:
        self.ttl, self.compute, self.clock = ttl, compute, clock
        self._value: Any = None
        self._at: float | None = None
        self._lock = threading.Lock()

    def fresh(self) -> bool:
        """Whether :meth:`get` would answer from the cache (no computation, safe on the event loop)."""
        return self._at is not None and self.clock() - self._at < self.ttl

    def get(self) -> Any:
        """The cached value, recomputed first when it is older than ``ttl``."""
        now = self.clock()
        if self._at is None or now - self._at >= self.ttl:
            with self._lock:
                if self._at is None or now - self._at >= self.ttl:
                    self._value = self.compute()
                    self._at = now
        return self._value


def warehouse_check(gold: GoldReader) -> Check:
    """Ready once gold has a snapshot; says so when the newest refresh failed and an older one is served."""
    try:
        snapshot = gold.snapshot()
    except GoldUnavailable:
        return {"ready": False, "detail": "no gold yet in this environment"}
    detail = f"gold loaded: {snapshot.well_days} well-days"
    if gold.last_error:
        detail += " (latest refresh failed; serving the previous snapshot)"
    return {"ready": True, "detail": detail}


def lake_check(lake: Lake) -> Check:
    """Ready when the lake holds silver production and the forecast table."""
    try:
        silver = lake.exists(SILVER_PRODUCTION.path)
        forecast = lake.exists(FORECAST_WELL_DAILY.path)
    except Exception:
        return {"ready": False, "detail": "lake not readable"}
    if silver and forecast:
        return {"ready": True, "detail": "silver and forecasts present"}
    missing = [n for n, ok in (("silver", silver), ("forecasts", forecast)) if not ok]
    return {"ready": False, "detail": "missing: " + ", ".join(missing)}


def index_check(engine: ExplainEngine) -> Check:
    """Ready when the explain engine opens and reports its index ready (opening it on first call)."""
    try:
        status = engine.get().index_status()
    except ApiProblem as exc:
        return {"ready": False, "detail": exc.detail or exc.title}
    except Exception:
        return {"ready": False, "detail": "index status unavailable"}
    ready = bool(status.get("ready"))
    return {"ready": ready, "detail": f"{int(status.get('chunks', 0))} chunks indexed" if ready else "not ready"}


def registry_check(settings: Settings) -> Check:
    """Ready when the environment's model registry has a champion forecast policy."""
    from da_platform.forecast.tracking import champion, target_for

    target = target_for(settings.mlflow_tracking_uri, settings.env_root, settings.isolation_key)
    if target.store_missing:
        return {"ready": False, "detail": "no model registry yet in this environment"}
    try:
        current = champion(target)
    except Exception:
        return {"ready": False, "detail": "model registry not readable"}
    if current is None:
        return {"ready": False, "detail": "no champion forecast policy promoted"}
    return {"ready": True, "detail": f"champion version {current.version}"}


def readiness_checks(
    settings: Settings, gold: GoldReader, lake: Lake, engine: ExplainEngine, clock: Callable[[], float]
) -> dict[str, Cached]:
    """The four checks of ``/health`` by name, in the order it lists them, each with its cache."""
    return {
        "warehouse": Cached(1.0, partial(warehouse_check, gold), clock),
        "lake": Cached(_HEALTH_TTL_S, partial(lake_check, lake), clock),
        "index": Cached(_HEALTH_TTL_S, partial(index_check, engine), clock),
        "model_registry": Cached(_REGISTRY_TTL_S, partial(registry_check, settings), clock),
    }
