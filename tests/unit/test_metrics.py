"""The API's metrics registry on its own: labels of a branch deployment, the scrape cache, a failing lake."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from da_platform.api.metrics import ApiMetrics, LakehouseFigures

NOW = datetime(2016, 3, 12, 12, tzinfo=UTC)


def _samples(metrics: ApiMetrics) -> list:
    text = generate_latest(metrics.registry).decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


class Gather:
    """Counts how often the lakehouse is read; returns Volve-sized figures."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> LakehouseFigures:
        self.calls += 1
        return LakehouseFigures(
            rows={"raw": 3, "bronze": 400, "silver": 396, "quarantine": 4, "gold": 300},
            newest_days={"silver": date(2016, 3, 11), "gold": date(2016, 3, 10)},
            forecast_origin=date(2016, 3, 10),
            last_run={"job": "daily_job", "duration_s": 12.5, "success": False, "end_timestamp": 1.0},
        )


def test_a_branch_deployment_labels_every_series_with_environment_and_pr() -> None:
    metrics = ApiMetrics("qa", "7", Gather(), window_hours=54, now=lambda: NOW)
    metrics.observe("/insights", "GET", 200, "k1", 0.01)
    samples = _samples(metrics)
    assert samples and all(s.labels["environment"] == "qa" and s.labels["pr"] == "7" for s in samples)


def test_lakehouse_gauges_are_read_once_per_cache_window() -> None:
    gather, clock = Gather(), {"t": 100.0}
    metrics = ApiMetrics("prod", None, gather, window_hours=30, ttl=15, clock=lambda: clock["t"], now=lambda: NOW)
    _samples(metrics)
    _samples(metrics)
    assert gather.calls == 1
    clock["t"] += 15
    samples = {(s.name, s.labels.get("layer")): s.value for s in _samples(metrics)}
    assert gather.calls == 2
    assert samples[("datalive_lakehouse_quarantine_ratio", None)] == 0.01
    assert samples[("datalive_lakehouse_newest_partition_age_hours", "silver")] == 12  # 03-11 ended at 03-12 00:00
    assert samples[("datalive_lakehouse_fresh", "silver")] == 1 and samples[("datalive_lakehouse_fresh", "gold")] == 1
    assert samples[("datalive_forecast_age_hours", None)] == 36
    assert (
        samples[("datalive_last_run_success", None)] == 0
        and samples[("datalive_last_run_duration_seconds", None)] == 12.5
    )


def test_a_lake_that_cannot_be_read_is_a_zero_up_gauge_not_a_failed_scrape() -> None:
    def broken() -> LakehouseFigures:
        raise OSError("lake unreachable")

    samples = {s.name: s.value for s in _samples(ApiMetrics("dev", None, broken, window_hours=168, now=lambda: NOW))}
    assert samples["datalive_lakehouse_up"] == 0
    assert "datalive_lakehouse_rows" not in samples
