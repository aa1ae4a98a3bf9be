"""Forecast speed: wall time and peak memory of ``forecast_all`` on synthetic wells with 3 years of daily
history, and the extrapolation to the issue's 10,000 wells (target: under 5 minutes on this machine).

Measured as the forecast asset runs it: every product (oil, gas, water), 90 days ahead, in one worker
process per available core; the time includes starting the workers. Oil alone is measured too, because
earlier figures were for oil only. Synthetic wells: Arps hyperbolic decline with multiplicative noise,
shut-in periods, partial days and a choke with a few changes, different for every well and reproducible
from the seed. Each figure is the median of ``--repeat`` runs; peak memory is measured at two fleet sizes
to show whether it grows with the number of wells.

Usage: python -m benchmarks.forecast_speed [--wells 256] [--repeat 3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import polars as pl
import psutil

from benchmarks.results import machine, write_result
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.service import available_cores, forecast_all, forecast_monthly_all

DAYS = 3 * 365
PRODUCTS = ("oil", "gas", "water")  # what the forecast asset computes per well
TARGET_WELLS = 10_000
TARGET_SECONDS = 300.0
HORIZON_MONTHS = 12  # the monthly forecast asset's
MONTHLY_LABEL = "monthly asset, 12 months, wells and fields"
TOGETHER_LABEL = "daily (3 products) and monthly assets together"


def synthetic_wells(n_wells: int, days: int = DAYS, seed: int = 7) -> pl.DataFrame:
    """Silver-like well-day rows for ``n_wells`` producing wells."""
    rng = np.random.default_rng(seed)
    # the choke draws come from their own generator, so the rates are those of earlier measurements
    choke_rng = np.random.default_rng(seed + 1)
    start = date(2013, 1, 1)
    dates = [start + timedelta(days=i) for i in range(days)]
    frames = []
    t = np.arange(days, dtype=float)
    for w in range(n_wells):
        qi, di, b = rng.uniform(200, 3000), rng.uniform(0.0005, 0.004), rng.uniform(0.2, 1.2)
        rate = qi / (1 + b * di * t) ** (1 / b) * np.exp(rng.normal(0, 0.05, days))
        hours = np.full(days, 24.0)
        for _ in range(rng.integers(1, 6)):  # shut-ins of a few days to a few weeks
            s = rng.integers(0, days - 30)
            hours[s : s + rng.integers(2, 30)] = 0.0
        partial = rng.random(days) < 0.03
        hours[partial] = rng.uniform(2, 23, partial.sum())
        # a choke opening with up to three operator changes and a few unreported days: the forecast
        # searches it for breaks, which is part of its cost
        choke = np.full(days, choke_rng.uniform(30, 80))
        for s in choke_rng.integers(0, days, choke_rng.integers(0, 4)):
            choke[s:] = choke_rng.uniform(30, 80)
        choke = choke + choke_rng.normal(0, 1.0, days)
        choke[choke_rng.random(days) < 0.02] = np.nan
        frames.append(
            pl.DataFrame(
                {
                    "production_date": dates,
                    "well_id": f"SYN-{w:05d}",
                    "field_id": "SYNTH",
                    "on_stream_hrs": hours,
                    "oil_sm3": rate * hours / 24.0,
                    "gas_sm3": rate * hours / 24.0 * 120.0,
                    "water_sm3": rate * hours / 24.0 * 0.3,
                    "avg_choke_size_pct": choke.clip(0, 100),
                }
            )
        )
    return pl.concat(frames)


def _seconds(run: Callable[[], object], repeat: int) -> list[float]:
    """Wall seconds of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def _timed(production: pl.DataFrame, products: tuple[str, ...], workers: int, repeat: int) -> list[float]:
    return _seconds(lambda: forecast_all(production, products, 90, ForecastConfig(), workers=workers), repeat)


def _timed_monthly(production: pl.DataFrame, workers: int, repeat: int) -> list[float]:
    return _seconds(lambda: forecast_monthly_all(production, PRODUCTS, HORIZON_MONTHS, workers=workers), repeat)


class WorkerMemory:
    """Peak resident memory of the largest worker process, sampled every 0.2 s while running (the pool's
    workers outlive a call, so the kernel's accounting of finished children does not see them)."""

    def __init__(self) -> None:
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.2):
            for child in me.children(recursive=True):
                try:
                    self.peak_mib = max(self.peak_mib, child.memory_info().rss / 2**20)
                except psutil.NoSuchProcess:
                    continue

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wells", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=available_cores())
    args = parser.parse_args()
    production = synthetic_wells(args.wells)
    forecast_all(production.filter(pl.col("well_id") == "SYN-00000"), ("oil",), 90, ForecastConfig())  # warm-up
    small = production.filter(pl.col("well_id").is_in([f"SYN-{w:05d}" for w in range(args.wells // 4)]))
    with WorkerMemory() as small_workers:
        _timed(small, PRODUCTS, args.workers, 1)
    small_rss = (_peak_rss_mib(), small_workers.peak_mib)
    with WorkerMemory() as workers:
        all_products = _timed(production, PRODUCTS, args.workers, args.repeat)
    full_rss = (_peak_rss_mib(), workers.peak_mib)
    oil_only = _timed(production, ("oil",), args.workers, args.repeat)
    monthly = _timed_monthly(production, args.workers, args.repeat)
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    figures = {}
    print(f"machine: {os.cpu_count()} cores, {memory_gib:.0f} GiB")
    print(
        f"forecast_all, 90 days ahead, {args.wells} wells x {DAYS} days, {args.workers} worker(s), "
        f"median of {args.repeat}:"
    )
    # Both forecast assets run in the same forecast step, so their sum is what the step costs.
    together = [daily + month for daily, month in zip(all_products, monthly, strict=True)]
    rows = (
        ("oil, gas and water", all_products),
        ("oil only", oil_only),
        (MONTHLY_LABEL, monthly),
        (TOGETHER_LABEL, together),
    )
    for label, times in rows:
        total = statistics.median(times)
        extrapolated = total / args.wells * TARGET_WELLS
        verdict = "meets" if extrapolated <= TARGET_SECONDS else "misses"
        print(
            f"  {label}: {total:.1f} s, {total / args.wells * 1000:.1f} ms per well -> {extrapolated / 60:.1f} min "
            f"for {TARGET_WELLS:,} wells ({verdict} the {TARGET_SECONDS / 60:.0f}-minute target)"
        )
        figures[label] = {
            "median_total_s": round(total, 2),
            "samples_s": [round(t, 2) for t in times],
            "ms_per_well": round(total / args.wells * 1000, 1),
            "extrapolated_10000_wells_min": round(extrapolated / 60, 1),
        }
    print(
        f"  peak RSS, parent / largest worker: {small_rss[0]:.0f} / {small_rss[1]:.0f} MiB at {args.wells // 4} wells, "
        f"{full_rss[0]:.0f} / {full_rss[1]:.0f} MiB at {args.wells} wells (input and output included)"
    )
    headline = figures["oil, gas and water"]
    write_result(
        "forecast_speed",
        {
            "machine": machine(),
            "wells": args.wells,
            "history_days": DAYS,
            "workers": args.workers,
            "runs": args.repeat,
            "products": list(PRODUCTS),
            "median_total_s": headline["median_total_s"],
            "ms_per_well": headline["ms_per_well"],
            "extrapolated_10000_wells_min": headline["extrapolated_10000_wells_min"],
            "samples_s": headline["samples_s"],
            "oil_only": figures["oil only"],
            # the medium-term asset (every well and field, 3 products, 12 months), and with the daily one
            "monthly": figures[MONTHLY_LABEL],
            "daily_and_monthly": figures[TOGETHER_LABEL],
            "peak_rss_mib": {
                f"{args.wells // 4}_wells": {"parent": round(small_rss[0]), "worker": round(small_rss[1])},
                f"{args.wells}_wells": {"parent": round(full_rss[0]), "worker": round(full_rss[1])},
            },
            "target_min": TARGET_SECONDS / 60,
        },
    )


if __name__ == "__main__":
    main()
