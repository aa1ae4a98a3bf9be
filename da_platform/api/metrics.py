"""Prometheus metrics of one API process: ``/metrics`` in the text format, through ``prometheus-client``.

Two kinds of series, all in a registry owned by the app (no global registry, nothing at import):

- request counters and latency histograms, recorded by :class:`MetricsMiddleware` per route *template*
  (``/insights``, never the raw path, so a scanner cannot blow up the series count), status and key id,
  plus the explain engine's answers and refusals;
- lakehouse gauges computed when Prometheus scrapes, from what ``status`` and the API's gold snapshot
  already expose, cached for ``ttl`` seconds so frequent scrapes cost one lake read per window.

Every series carries ``environment`` and, in a branch deployment, ``pr``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from da_platform.ops.freshness import evaluate, hours_since_day_end

UNMATCHED = "<unmatched>"  # requests no route matched (404s): one series, whatever the path
NO_KEY = "none"
# Latency buckets from a cached /insights page up to a slow explain call (benchmarks/api_load.py measures both).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class LakehouseFigures:
    """What the lakehouse gauges show, gathered in one pass (any part may be missing)."""

    rows: dict[str, int] = field(default_factory=dict)
    newest_days: dict[str, date | None] = field(default_factory=dict)
    forecast_origin: date | None = None
    last_run: dict[str, Any] | None = None  # job, duration_s, success, end_timestamp
    errors: list[str] = field(default_factory=list)


class _LakehouseCollector(Collector):
    """Gauges computed on scrape from a ``gather`` function, cached ``ttl`` seconds."""

    def __init__(
        self,
        base: dict[str, str],
        gather: Callable[[], LakehouseFigures],
        window_hours: int,
        ttl: float,
        clock: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self.base, self.gather, self.window_hours, self.ttl, self.clock, self.now = (
            base,
            gather,
            window_hours,
            ttl,
            clock,
            now,
        )
        self._cached: tuple[float, LakehouseFigures] | None = None
        self._lock = threading.Lock()

    def _figures(self) -> LakehouseFigures:
        with self._lock:
            if self._cached is None or self.clock() - self._cached[0] >= self.ttl:
                try:
                    figures = self.gather()
                except Exception as exc:  # a scrape never fails: the gauges say what could not be read
                    figures = LakehouseFigures(errors=[type(exc).__name__])
                self._cached = (self.clock(), figures)
            return self._cached[1]

    def describe(self) -> list:
        """Nothing up front: registering must not read the lake (the registry would call ``collect``)."""
        return []

    def _family(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, doc, labels=[*self.base, *labels])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures, now, base = self._figures(), self.now(), list(self.base.values())
        up = self._family("datalive_lakehouse_up", "1 when every lakehouse figure could be read at the last scrape")
        up.add_metric(base, 0.0 if figures.errors else 1.0)
        yield up
        rows = self._family("datalive_lakehouse_rows", "Rows per layer (raw: landed files)", ("layer",))
        for layer, value in figures.rows.items():
            rows.add_metric([*base, layer], float(value))
        yield rows
        bronze, quarantine = figures.rows.get("bronze"), figures.rows.get("quarantine")
        if bronze is not None and quarantine is not None:
            ratio = self._family("datalive_lakehouse_quarantine_ratio", "Quarantined rows per bronze row")
            ratio.add_metric(base, quarantine / bronze if bronze else 0.0)
            yield ratio
        age = self._family(
            "datalive_lakehouse_newest_partition_age_hours",
            "Hours since the newest production day of each layer ended",
            ("layer",),
        )
        fresh = self._family(
            "datalive_lakehouse_fresh", f"1 when the layer holds the day due {self.window_hours} h ago", ("layer",)
        )
        for layer, day in figures.newest_days.items():
            hours = hours_since_day_end(day, now)
            if hours is not None:
                age.add_metric([*base, layer], hours)
            fresh.add_metric([*base, layer], 1.0 if evaluate(layer, day, now, self.window_hours).fresh else 0.0)
        yield age
        yield fresh
        if figures.forecast_origin is not None:
            forecast = self._family(
                "datalive_forecast_age_hours", "Hours since the last history day of the newest forecast ended"
            )
            forecast.add_metric(base, hours_since_day_end(figures.forecast_origin, now) or 0.0)
            yield forecast
        if figures.last_run:
            run = figures.last_run
            duration = self._family(
                "datalive_last_run_duration_seconds", "Duration of the newest finished Dagster run", ("job",)
            )
            duration.add_metric([*base, run["job"]], run["duration_s"])
            yield duration
            success = self._family("datalive_last_run_success", "1 when the newest finished run succeeded", ("job",))
            success.add_metric([*base, run["job"]], 1.0 if run["success"] else 0.0)
            yield success
            ended = self._family("datalive_last_run_end_timestamp_seconds", "When the newest finished run ended")
            ended.add_metric(base, run["end_timestamp"])
            yield ended


class ApiMetrics:
    """The registry of one app, its request metrics and its lakehouse collector."""

    def __init__(
        self,
        environment: str,
        pr: str | None,
        gather: Callable[[], LakehouseFigures],
        window_hours: int,
        ttl: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base = {"environment": environment} | ({"pr": pr} if pr else {})
        self.registry = CollectorRegistry(auto_describe=True)
        names = (*self.base, "route", "method", "status", "key_id")
        self.requests = Counter(
            "datalive_api_requests", "HTTP requests by route template, status and key id", names, registry=self.registry
        )
        self.latency = Histogram(
            "datalive_api_request_duration_seconds",
            "Request latency by route template",
            (*self.base, "route", "method"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.explanations = Counter(
            "datalive_api_explanations", "Explain answers by outcome", (*self.base, "outcome"), registry=self.registry
        )
        for outcome in ("answered", "refused"):  # both series exist from the start (rate() needs a zero)
            self.explanations.labels(*self.base.values(), outcome)
        self.registry.register(_LakehouseCollector(self.base, gather, window_hours, ttl, clock, now))

    def observe(self, route: str, method: str, status: int, key_id: str | None, seconds: float) -> None:
        """Count one finished request."""
        base = self.base.values()
        self.requests.labels(*base, route, method, str(status), key_id or NO_KEY).inc()
        self.latency.labels(*base, route, method).observe(seconds)

    def explained(self, refused: bool) -> None:
        """Count one explain answer or refusal."""
        self.explanations.labels(*self.base.values(), "refused" if refused else "answered").inc()


class MetricsMiddleware:
    """Pure ASGI: times each HTTP request and records it under the route template the router matched."""

    def __init__(self, app, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_watch(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            key_id = scope.get("state", {}).get("key_id")
            self.metrics.observe(route, scope.get("method", ""), status, key_id, time.perf_counter() - started)


def gather_figures(
    lake: Any, gold: Any, forecasts: Any, instance_factory: Callable[[], Any] | None
) -> LakehouseFigures:
    """Rows, newest days, forecast origin and the newest finished run, each read independently (one part
    failing leaves the others; its exception type goes to ``errors``)."""
    from da_platform.ingest.bronze import admitted_day_range
    from da_platform.ops.freshness import newest_silver_day
    from da_platform.status import lake_layer_rows

    figures = LakehouseFigures()
    try:
        figures.rows = lake_layer_rows(lake)
        bronze_last = admitted_day_range(lake)[1]
        figures.newest_days["bronze"] = date.fromisoformat(bronze_last) if bronze_last else None
        figures.newest_days["silver"] = newest_silver_day(lake)
    except Exception as exc:
        figures.errors.append(f"lake: {type(exc).__name__}")
    try:
        snapshot = gold.snapshot()
        figures.rows["gold"] = snapshot.well_days
        figures.newest_days["gold"] = snapshot.levels["well"]["production_date"].max()
    except Exception as exc:  # no gold yet, or the warehouse unreadable: gold counts as holding nothing
        figures.newest_days["gold"] = None
        figures.errors.append(f"gold: {type(exc).__name__}")
    try:
        table = forecasts.table()
        if table.height:
            # Each well's forecast starts the day after its history ends: the newest such origin.
            first_days = table.group_by("well_id").agg(pl.col("date").min())["date"]
            figures.forecast_origin = first_days.max() - timedelta(days=1)
    except Exception:  # no forecasts yet: the gauge is simply absent
        pass
    if instance_factory is not None:
        try:
            instance = instance_factory()  # None before the environment's first run
            figures.last_run = _last_run(instance) if instance is not None else None
        except Exception as exc:
            figures.errors.append(f"runs: {type(exc).__name__}")
    return figures


def _last_run(instance: Any) -> dict[str, Any] | None:
    import dagster as dg

    finished = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=finished), limit=1)
    if not records:
        return None
    record = records[0]
    start, end = record.start_time, record.end_time
    return {
        "job": record.dagster_run.job_name,
        "duration_s": float(end - start) if start and end else 0.0,
        "success": record.dagster_run.status == dg.DagsterRunStatus.SUCCESS,
        "end_timestamp": float(end or 0.0),
    }
