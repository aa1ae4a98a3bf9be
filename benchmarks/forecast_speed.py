"""Forecast speed: wall time and peak memory of ``forecast_all`` on synthetic wells with 3 years of daily
history, and the extrapolation to the issue's 10,000 wells (target: under 5 minutes on this machine).

Synthetic wells: Arps hyperbolic decline with multiplicative noise, shut-in periods and partial days,
different for every well and reproducible from the seed. Each figure is the median of ``--repeat`` runs.

Usage: python -m benchmarks.forecast_speed [--wells 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from datetime import date, timedelta

import numpy as np
import polars as pl

from benchmarks.results import machine, write_result
from da_platform.forecast.select import ForecastConfig
from da_platform.forecast.service import forecast_all

DAYS = 3 * 365
TARGET_WELLS = 10_000
TARGET_SECONDS = 300.0


def synthetic_wells(n_wells: int, days: int = DAYS, seed: int = 7) -> pl.DataFrame:
    """Silver-like well-day rows for ``n_wells`` producing wells."""
    rng = np.random.default_rng(seed)
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
                }
            )
        )
    return pl.concat(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wells", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    production = synthetic_wells(args.wells)
    forecast_all(production.filter(pl.col("well_id") == "SYN-00000"), ("oil",), 90, ForecastConfig())  # warm-up
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        table, _, _ = forecast_all(production, ("oil",), 90, ForecastConfig())
        times.append(time.perf_counter() - started)
    per_well = statistics.median(times) / args.wells
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    extrapolated = per_well * TARGET_WELLS
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {os.cpu_count()} cores, {memory_gib:.0f} GiB")
    print(f"forecast_all, oil, 90 days ahead, {args.wells} wells x {DAYS} days, median of {args.repeat}:")
    print(f"  {statistics.median(times):.1f} s total, {per_well * 1000:.0f} ms per well, {table.height} rows")
    print(f"  peak RSS of the process: {peak_mb:.0f} MiB")
    write_result(
        "forecast_speed",
        {
            "machine": machine(),
            "wells": args.wells,
            "history_days": DAYS,
            "runs": args.repeat,
            "median_total_s": round(statistics.median(times), 2),
            "ms_per_well": round(per_well * 1000, 1),
            "peak_rss_mib": round(peak_mb),
            "extrapolated_10000_wells_min": round(extrapolated / 60, 1),
            "target_min": TARGET_SECONDS / 60,
        },
    )
    verdict = "meets" if extrapolated <= TARGET_SECONDS else "misses"
    print(
        f"  extrapolated to {TARGET_WELLS:,} wells (one process): {extrapolated / 60:.1f} min "
        f"({verdict} the {TARGET_SECONDS / 60:.0f}-minute target)"
    )


if __name__ == "__main__":
    main()
