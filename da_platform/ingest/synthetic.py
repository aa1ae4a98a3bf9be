"""Operator-size synthetic landing folders: daily reports in the Volve layout, the well register, the
reported monthly sheet and a downtime events file, for any number of wells and days.

Why synthetic: Volve is 7 wells; scale (thousands of wells, decades) can only be measured on data we
make. The generator is deterministic for a seed, and it streams: it works a month at a time over
batches of wells, so memory stays bounded whatever wells x days (per-well state is a few numbers).

What is in it, per well: a start-up date; an Arps hyperbolic oil decline with day-to-day noise; water
cut rising along a logistic curve; a slowly rising gas-oil ratio; shut-in events with a cause (the
events file); partial days; about one in six wells is a water injector. A few rows are bad on purpose
(negative water, more than 24 on-stream hours, a wellbore not in the register) so quarantine has work.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from da_platform.ingest.layouts import DAILY

WELLS_PER_FIELD = 50
BATCH_WELLS = 1000
INJECTOR_SHARE = 1 / 6
SHUT_IN_PER_DAY = 1 / 120  # a well is shut in about three times a year
PARTIAL_DAY_SHARE = 0.03
BAD_ROW_SHARE = 1 / 20_000
CAUSES = (
    ("downtime", "planned maintenance"),
    ("well_test", "well test"),
    ("downtime", "compressor trip"),
    ("downtime", "power failure"),
    ("downtime", "scale build-up"),
    ("downtime", "weather: crane operations stopped"),
)
DAILY_COLUMNS = [c.source for c in DAILY.columns]
MONTHLY_HEADER = ["WELLBORE_NAME", "NPD_CODE", "YEAR", "MONTH", "ON_STREAM_HRS", "OIL_SM3", "GAS_SM3", "WATER_SM3",
                  "GI_SM3", "WI_SM3"]  # fmt: skip
REGISTER_HEADER = ["well_id", "wellbore_code", "npd_wellbore_code", "field_id", "facility_id", "well_type",
                   "status", "valid_from", "valid_to", "timezone"]  # fmt: skip
# The events landing format (see the explanation index): inclusive dates, a register well id.
EVENTS_HEADER = ["event_id", "well", "start", "end", "category", "cause", "comment", "source"]


@dataclass
class GenerationSummary:
    """What was written: files, rows and the bad rows planted by kind."""

    wells: int
    days: int
    daily_files: int = 0
    daily_rows: int = 0
    events: int = 0
    bad_rows: dict[str, int] = field(default_factory=lambda: {"negative_water": 0, "hours_over_24": 0,
                                                              "unknown_wellbore": 0})  # fmt: skip


@dataclass(frozen=True)
class _Wells:
    """Per-well constants, drawn once from the seed."""

    well_id: np.ndarray
    npd_code: np.ndarray
    field_id: np.ndarray
    start_day: np.ndarray
    injector: np.ndarray
    qi: np.ndarray
    di: np.ndarray
    b: np.ndarray
    wc_max: np.ndarray
    wc_mid: np.ndarray
    gor: np.ndarray
    wi_rate: np.ndarray


def _draw_wells(n: int, days: int, seed: int) -> _Wells:
    rng = np.random.default_rng([seed, 0])
    index = np.arange(n)
    fields = index // WELLS_PER_FIELD
    return _Wells(
        well_id=np.array([f"SYN-{f:03d}-{i:05d}" for f, i in zip(fields, index, strict=True)]),
        npd_code=100_000 + index,
        field_id=np.array([f"SYNTH-{f:03d}" for f in fields]),
        # Most wells are on from day one; the rest start up during the first 40 % of the period.
        start_day=np.where(rng.random(n) < 0.6, 0, rng.integers(0, max(int(days * 0.4), 1), n)),
        injector=rng.random(n) < INJECTOR_SHARE,
        qi=rng.uniform(150.0, 3000.0, n),
        di=rng.uniform(0.0005, 0.004, n),
        b=rng.uniform(0.2, 1.2, n),
        wc_max=rng.uniform(0.3, 0.95, n),
        wc_mid=rng.uniform(300.0, 3000.0, n),
        gor=rng.uniform(80.0, 250.0, n),
        wi_rate=rng.uniform(1000.0, 8000.0, n),
    )


def _write_register(out: Path, wells: _Wells, start: date) -> None:
    path = out / "reference" / "well_register.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(REGISTER_HEADER)
        for i in range(len(wells.well_id)):
            fid = wells.field_id[i]
            writer.writerow([
                wells.well_id[i], f"NO {wells.well_id[i]}", int(wells.npd_code[i]), fid, fid.replace("SYNTH", "FAC"),
                "WI" if wells.injector[i] else "OP", "active",
                (start + timedelta(days=int(wells.start_day[i]))).isoformat(), "", "UTC",
            ])  # fmt: skip


def _months(start: date, days: int) -> list[tuple[int, int]]:
    """(first day index, number of days) of each calendar month touched by the period."""
    out, day = [], 0
    while day < days:
        d = start + timedelta(days=day)
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        n = min((nxt - d).days, days - day)
        out.append((day, n))
        day += n
    return out


def generate(out: Path, wells: int, days: int, seed: int = 0, start: date = date(2020, 1, 1)) -> GenerationSummary:
    """Write a landing folder under ``out``: ``daily/`` (one CSV per month), ``monthly/``, ``reference/``
    and ``events/``. Same arguments, same bytes."""
    if wells < 1 or days < 1:
        raise ValueError(f"wells and days must be at least 1 (got wells={wells}, days={days})")
    out = Path(out)
    w = _draw_wells(wells, days, seed)
    _write_register(out, w, start)
    summary = GenerationSummary(wells, days)
    shut_until = np.full(wells, -1)  # a shut-in carries across month boundaries
    for folder in ("daily", "monthly", "events"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    with (
        (out / "monthly" / "reported_monthly.csv").open("w", newline="", encoding="utf-8") as monthly_fh,
        (out / "events" / "downtime_events.csv").open("w", newline="", encoding="utf-8") as events_fh,
    ):
        monthly, events = csv.writer(monthly_fh), csv.writer(events_fh)
        monthly.writerow(MONTHLY_HEADER)
        events.writerow(EVENTS_HEADER)
        for m, (first_day, n_days) in enumerate(_months(start, days)):
            month_start = start + timedelta(days=first_day)
            path = out / "daily" / f"daily_{month_start:%Y-%m}.csv"
            with path.open("wb") as daily_fh:
                for b0 in range(0, wells, BATCH_WELLS):
                    sl = slice(b0, min(b0 + BATCH_WELLS, wells))
                    rng = np.random.default_rng([seed, 1, m, b0])
                    frame = _month_batch(w, sl, first_day, n_days, start, rng, shut_until, events, summary)
                    frame.write_csv(daily_fh, include_header=b0 == 0, float_precision=3, date_format="%Y-%m-%d")
                    _write_monthly(monthly, frame, month_start)
            summary.daily_files += 1
    return summary


def _month_batch(
    w: _Wells,
    sl: slice,
    first_day: int,
    n_days: int,
    start: date,
    rng: np.random.Generator,
    shut_until: np.ndarray,
    events: Any,
    summary: GenerationSummary,
) -> pl.DataFrame:
    """Daily rows of one batch of wells for one month, wells that have started only."""
    n = sl.stop - sl.start
    day = first_day + np.arange(n_days)[None, :]  # (1, D)
    age = day - w.start_day[sl, None]  # (N, D) days since start-up
    hours = np.full((n, n_days), 24.0)
    for j in range(n_days):  # shut-ins: start, carry, and record each as an event
        d = first_day + j
        starting = (rng.random(n) < SHUT_IN_PER_DAY) & (shut_until[sl] < d) & (age[:, j] >= 0)
        for i in np.flatnonzero(starting):
            length = int(rng.integers(1, 31))
            shut_until[sl.start + i] = d + length - 1
            category, cause = CAUSES[int(rng.integers(len(CAUSES)))]
            summary.events += 1
            well = w.well_id[sl.start + i]
            first, last = start + timedelta(days=d), start + timedelta(days=d + length - 1)
            comment = f"{well} shut in: {cause}, {length} day(s)."
            row = [f"SYN-EV-{summary.events:08d}", well, first.isoformat(), last.isoformat(), category, cause]
            events.writerow([*row, comment, "SYNTHETIC: datalive generate"])
        hours[shut_until[sl] >= d, j] = 0.0
    partial = (rng.random((n, n_days)) < PARTIAL_DAY_SHARE) & (hours > 0)
    hours[partial] = rng.uniform(2.0, 23.0, int(partial.sum()))

    t = np.maximum(age, 0).astype(float)
    b, di = w.b[sl, None], w.di[sl, None]
    oil_rate = w.qi[sl, None] / (1.0 + b * di * t) ** (1.0 / b) * np.exp(rng.normal(0.0, 0.05, (n, n_days)))
    wc = w.wc_max[sl, None] / (1.0 + np.exp(-(t - w.wc_mid[sl, None]) / 250.0))
    on = hours / 24.0
    oil = oil_rate * on
    water = oil_rate * wc / np.maximum(1.0 - wc, 0.05) * on
    gas = oil * w.gor[sl, None] * (1.0 + t / 3650.0)
    injector = w.injector[sl, None] & np.ones((1, n_days), bool)
    wi = np.where(injector, w.wi_rate[sl, None] * on * np.exp(rng.normal(0.0, 0.08, (n, n_days))), np.nan)
    for arr in (oil, gas, water):
        arr[injector] = np.nan

    started = age >= 0
    wi_, dj = np.nonzero(started)
    wells_idx = sl.start + wi_
    well_id = w.well_id[wells_idx]
    frame = pl.DataFrame(
        {
            "DATEPRD": np.datetime64(start, "D") + (first_day + dj),
            "WELL_BORE_CODE": np.char.add("NO ", well_id),
            "NPD_WELL_BORE_CODE": w.npd_code[wells_idx],
            "NPD_WELL_BORE_NAME": well_id,
            "NPD_FIELD_CODE": 9_000_000 + wells_idx // WELLS_PER_FIELD,
            "NPD_FIELD_NAME": w.field_id[wells_idx],
            "NPD_FACILITY_CODE": 8_000_000 + wells_idx // WELLS_PER_FIELD,
            "NPD_FACILITY_NAME": np.char.replace(w.field_id[wells_idx], "SYNTH", "FAC"),
            "ON_STREAM_HRS": hours[started],
            "AVG_DOWNHOLE_PRESSURE": np.where(hours[started] > 0, 250.0 - t[started] * 0.02, 0.0),
            "AVG_DOWNHOLE_TEMPERATURE": np.where(hours[started] > 0, 105.0, 0.0),
            "AVG_DP_TUBING": np.where(hours[started] > 0, 180.0 - t[started] * 0.015, 0.0),
            "AVG_ANNULUS_PRESS": 15.0,
            "AVG_CHOKE_SIZE_P": np.where(hours[started] > 0, 60.0, 0.0),
            "AVG_CHOKE_UOM": "%",
            "AVG_WHP_P": np.where(hours[started] > 0, 70.0 - t[started] * 0.005, 0.0),
            "AVG_WHT_P": np.where(hours[started] > 0, 80.0, 0.0),
            "DP_CHOKE_SIZE": np.where(hours[started] > 0, 20.0, 0.0),
            "BORE_OIL_VOL": oil[started],
            "BORE_GAS_VOL": gas[started],
            "BORE_WAT_VOL": water[started],
            "BORE_WI_VOL": wi[started],
            "FLOW_KIND": np.where(injector[started], "injection", "production"),
            "WELL_TYPE": np.where(injector[started], "WI", "OP"),
        }
    )
    summary.daily_rows += frame.height
    # NaN is a computation artefact here; in the files a missing volume is an empty field.
    # Rounded as written, so the monthly sheet sums exactly what the daily files say.
    frame = frame.with_columns(pl.col(pl.Float64).fill_nan(None).round(3))
    return _plant_bad_rows(frame, rng, summary).select(DAILY_COLUMNS)


def _plant_bad_rows(frame: pl.DataFrame, rng: np.random.Generator, summary: GenerationSummary) -> pl.DataFrame:
    """Spoil a few production rows the way real reports are spoilt, so quarantine is exercised."""
    n_bad = int(rng.binomial(frame.height, BAD_ROW_SHARE)) if frame.height else 0
    if n_bad == 0:
        return frame
    rows = rng.choice(frame.height, size=n_bad, replace=False)
    kinds = rng.integers(0, 3, n_bad)
    production = frame["FLOW_KIND"].to_numpy() == "production"
    masks = []
    for kind in range(3):
        mask = np.zeros(frame.height, bool)
        mask[rows[kinds == kind]] = True
        masks.append(pl.lit(pl.Series(mask)))
    spoilt = frame.with_columns(
        BORE_WAT_VOL=pl.when(masks[0] & pl.lit(pl.Series(production))).then(-5.0).otherwise("BORE_WAT_VOL"),
        ON_STREAM_HRS=pl.when(masks[1]).then(30.0).otherwise("ON_STREAM_HRS"),
        WELL_BORE_CODE=pl.when(masks[2]).then(pl.lit("NO SYN-UNKNOWN")).otherwise("WELL_BORE_CODE"),
    )
    summary.bad_rows["negative_water"] += int(production[rows[kinds == 0]].sum())
    summary.bad_rows["hours_over_24"] += int((kinds == 1).sum())
    summary.bad_rows["unknown_wellbore"] += int((kinds == 2).sum())
    return spoilt


def _write_monthly(writer: Any, frame: pl.DataFrame, month: date) -> None:
    """The operator's reported monthly totals per well, summed from the daily rows as written."""
    totals = (
        frame.filter(pl.col("WELL_BORE_CODE") != "NO SYN-UNKNOWN")
        .group_by("NPD_WELL_BORE_NAME", "NPD_WELL_BORE_CODE", maintain_order=True)
        .agg(
            pl.col("ON_STREAM_HRS").sum(),
            pl.col("BORE_OIL_VOL").sum(),
            pl.col("BORE_GAS_VOL").sum(),
            pl.col("BORE_WAT_VOL").sum(),
            pl.col("BORE_WI_VOL").sum(),
        )
    )
    for name, code, hrs, oil, gas, water, wi in totals.iter_rows():
        writer.writerow([name, code, month.year, month.month, round(hrs, 3), round(oil, 3), round(gas, 3),
                         round(water, 3), "", round(wi, 3)])  # fmt: skip
