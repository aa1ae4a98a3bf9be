"""What the routers share, built once per app and kept on ``app.state.api``: :class:`ApiState`.

Routers take it through the :data:`State` dependency (``request.app.state.api``), never from the locals of
the function that built the app, so a router can be mounted on any app that carries a state (tests mount
one router on a bare ``FastAPI()``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request

from da_platform.api.checks import Cached, readiness_checks
from da_platform.api.dependencies import ExplainEngine, Explainer, open_explainer
from da_platform.api.forecasts import ForecastReader
from da_platform.api.gold import GoldReader, GoldSnapshot, GoldUnavailable
from da_platform.api.keys import KeyStore
from da_platform.api.metrics import ApiMetrics, gather_figures
from da_platform.api.problems import ApiProblem
from da_platform.api.ratelimit import AUTH_FAILURES, RateLimit, RateLimiter
from da_platform.env import Settings
from da_platform.lakehouse.delta_lake import Lake, open_lake
from da_platform.lakehouse.warehouse import open_warehouse

# Enough buckets for every client address of a large botnet; a bucket is a few dozen bytes.
_CLIENT_BUCKETS = 100_000


def package_version() -> str:
    """The installed ``datalive`` version (``unknown`` when run from a source tree without metadata)."""
    try:
        return metadata.version("datalive")
    except metadata.PackageNotFoundError:
        return "unknown"


class DagsterRuns:
    """The environment's Dagster instance (run history), opened on the first call that finds one; None
    before the environment's first run (and then nothing is created: a scrape writes nothing)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._instance: Any = None

    def __call__(self) -> Any:
        if self._instance is None:
            if not (self.settings.dagster_home / "dagster.yaml").exists():
                return None
            from dagster import DagsterInstance

            self._instance = DagsterInstance.from_config(str(self.settings.dagster_home))
        return self._instance


@dataclass(frozen=True)
class ApiState:
    """Everything a route reads: the environment's settings, its key store, the rate limiters, gold,
    the lake and its forecasts, the lazily opened explain engine, the metrics and the readiness checks."""

    settings: Settings
    keys: KeyStore
    limiter: RateLimiter  # requests per key
    auth_failures: RateLimiter  # wrong keys per client address
    gold: GoldReader
    lake: Lake
    forecasts: ForecastReader
    explain: ExplainEngine
    metrics: ApiMetrics
    checks: dict[str, Cached]
    version: str

    @property
    def environment(self) -> str:
        """The isolation key every key, limit bucket and log line of this app belongs to."""
        return self.settings.isolation_key

    def snapshot(self) -> GoldSnapshot:
        """Gold's current snapshot; a 503 problem (``gold-unavailable``) before the first gold build."""
        try:
            return self.gold.snapshot()
        except GoldUnavailable as exc:
            raise ApiProblem(503, "Gold not available", str(exc), "gold-unavailable") from exc


def build_state(
    settings: Settings,
    *,
    explainer: Explainer | None = None,
    explainer_factory: Callable[[Any], Explainer] | None = None,
    key_store: KeyStore | None = None,
    rate_limit: RateLimit | None = None,
    auth_failure_limit: RateLimit = AUTH_FAILURES,
    clock: Callable[[], float] = time.monotonic,
) -> ApiState:
    """The state of ``settings``' environment; the keyword arguments are :func:`create_app`'s."""
    gold = GoldReader(open_warehouse(settings))
    lake = open_lake(settings)
    forecasts = ForecastReader(lake)
    engine = ExplainEngine(settings, explainer_factory or open_explainer, explainer)
    metrics = ApiMetrics(
        settings.env,
        settings.pr_id,
        partial(gather_figures, lake, gold, forecasts, DagsterRuns(settings)),
        settings.freshness_window_hours,
    )
    return ApiState(
        settings=settings,
        keys=key_store or KeyStore(settings.env_root, settings.isolation_key),
        limiter=RateLimiter(rate_limit or RateLimit(*settings.api_rate_limit), clock=clock),
        auth_failures=RateLimiter(auth_failure_limit, clock=clock, max_buckets=_CLIENT_BUCKETS),
        gold=gold,
        lake=lake,
        forecasts=forecasts,
        explain=engine,
        metrics=metrics,
        checks=readiness_checks(settings, gold, lake, engine, clock),
        version=package_version(),
    )


def attach(app: FastAPI, state: ApiState) -> None:
    """Make ``state`` the one :data:`State` of ``app``'s routes."""
    app.state.api = state


def state_of(request: Request) -> ApiState:
    """The state of the app serving ``request``."""
    return request.app.state.api


# async: a plain attribute read, not worth a thread hop per request.
async def api_state(request: Request) -> ApiState:
    """FastAPI dependency: the serving app's :class:`ApiState`."""
    return state_of(request)


State = Annotated[ApiState, Depends(api_state)]
