"""Forecasts for every producing well from silver: the step shared by the Dagster asset and the CLI."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import numpy as np
import polars as pl

from da_platform.forecast.monthly import (
    MONTHLY_SCHEMA,
    MonthlyForecast,
    forecast_monthly,
    forecast_well_monthly,
    monthly_by_product,
)
from da_platform.forecast.outages import OutageLog
from da_platform.forecast.select import POINTS_SCHEMA, ForecastConfig, ForecastResult, forecast_series, known_breaks
from da_platform.forecast.series import NotAProducerError, daily_series, forecast_rows, series_from_rows

FORECAST_SCHEMA: dict[str, pl.DataType] = {
    "well_id": pl.String(),
    "product": pl.String(),
    **POINTS_SCHEMA,
    "model": pl.String(),
    "status": pl.String(),
    "reason": pl.String(),
    "input_sha256": pl.String(),  # of the well's rows the forecast was made from: unchanged input, reuse
}
T = TypeVar("T")
ChunkT = TypeVar("ChunkT")
# What labels a series' points in the table: well_id, product, model, status, reason, input_sha256.
_LABEL_COLUMNS = [c for c in FORECAST_SCHEMA if c not in POINTS_SCHEMA]


def well_history(production: pl.DataFrame, well_id: str) -> pl.DataFrame:
    """One well's silver rows; a well that is not there is a clear error, not an empty forecast."""
    history = production.filter(pl.col("well_id") == well_id)
    if history.height == 0:
        known = ", ".join(sorted(production["well_id"].unique().to_list())) or "none"
        raise KeyError(f"no production for well {well_id!r} (wells with production: {known})")
    return history


def forecast_well(
    production: pl.DataFrame,
    well_id: str,
    product: str,
    horizon_days: int,
    config: ForecastConfig,
    outages: OutageLog | None = None,
) -> ForecastResult:
    """Forecast one well and product from the last landed day; injectors raise NotAProducerError.
    ``outages`` is the operator log: an outage open on that day shapes the uptime."""
    history = well_history(production, well_id)
    series = daily_series(history, product, well_id)
    return forecast_series(series, horizon_days, config, known_breaks(history, series, config), outages)


def input_fingerprint(history: pl.DataFrame) -> str:
    """sha256 of a well's rows in date order: equal fingerprints mean the forecast input did not change."""
    rows = history.sort("production_date").select(sorted(history.columns))
    return hashlib.sha256(rows.write_csv().encode()).hexdigest()


def _well_fingerprint(history: pl.DataFrame, well_id: str, outages: OutageLog | None) -> str:
    """The input hash of a well's forecast: its rows, and what of the outage log it reads when one of its
    outages is open on its last day (a new plan or a newly ended outage elsewhere refits it)."""
    fingerprint = input_fingerprint(history)
    if outages is None or history.height == 0:
        return fingerprint
    origin = np.datetime64(history["production_date"].max(), "D")
    read = outages.fingerprint_at(well_id, origin, planned_ends=True)
    return hashlib.sha256(f"{fingerprint}|{read}".encode()).hexdigest() if read else fingerprint


def _reused(previous: pl.DataFrame | None, well_id: str, product: str, fingerprint: str) -> ForecastResult | None:
    if previous is None:
        return None
    rows = previous.filter((pl.col("product") == product) & (pl.col("input_sha256") == fingerprint))
    if rows.height == 0:
        return None
    first = rows.row(0, named=True)
    origin = first["date"] - timedelta(days=1) if first["date"] is not None else None
    points = rows.sort("date").select(list(POINTS_SCHEMA)).drop_nulls("date")
    return ForecastResult(well_id, product, first["model"], first["status"], first["reason"], origin, points, None)


# (well id, its silver rows, its rows of the previous forecast table or None)
WellInput = tuple[str, pl.DataFrame, pl.DataFrame | None]
ChunkOutput = tuple[list[pl.DataFrame], list[ForecastResult], list[str]]
# Below this many wells a worker process costs more to start (~2 s of imports) than it saves.
PARALLEL_MIN_WELLS = 64
CHUNK_WELLS = 32


def _forecast_wells(
    wells: list[WellInput],
    products: tuple[str, ...],
    horizon_days: int,
    config: ForecastConfig,
    outages: OutageLog | None = None,
) -> ChunkOutput:
    """Forecast a batch of wells in this process: its part of the table, the results and the wells
    refitted. The table part is built once for the batch (labels gathered to each series' points), not
    with two polars operations per series."""
    points: list[pl.DataFrame] = []
    labels: list[tuple[str, str, str, str, str, str]] = []  # FORECAST_SCHEMA's columns after the points
    results: list[ForecastResult] = []
    refitted: list[str] = []
    for well_id, history, previous in wells:
        fingerprint = _well_fingerprint(history, well_id, outages)
        rows: pl.DataFrame | None = None  # prepared once per well, on its first product to refit
        for product in products:
            result = _reused(previous, well_id, product, fingerprint)
            if result is None:
                try:
                    rows = forecast_rows(history, well_id) if rows is None else rows
                except NotAProducerError:
                    break
                series = series_from_rows(rows, product, well_id)
                covariates = known_breaks(rows, series, config)
                result = forecast_series(series, horizon_days, config, covariates, outages)
                if well_id not in refitted:
                    refitted.append(well_id)
            results.append(result)
            points.append(result.points)
            labels.append((well_id, product, result.model, result.status, result.reason, fingerprint))
    if not points:
        return [], results, refitted
    label_frame = pl.DataFrame(labels, schema=_LABEL_COLUMNS, orient="row")
    series_of_row = np.repeat(np.arange(len(points)), [p.height for p in points])
    table = pl.concat([pl.concat(points), label_frame[series_of_row]], how="horizontal")
    return [table.select(list(FORECAST_SCHEMA))], results, refitted


def available_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's total)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _chunks(production: pl.DataFrame, previous: pl.DataFrame | None) -> Iterator[list[WellInput]]:
    """Wells in id order with their own rows, CHUNK_WELLS at a time: one pass over the table, not a
    filter per well (which made the step quadratic in the number of wells)."""
    histories = production.partition_by("well_id", as_dict=True)
    earlier = previous.partition_by("well_id", as_dict=True) if previous is not None else {}
    yield from _batched([(key[0], histories[key], earlier.get(key)) for key in sorted(histories)], CHUNK_WELLS)


def forecast_all(
    production: pl.DataFrame,
    products: tuple[str, ...],
    horizon_days: int,
    config: ForecastConfig,
    previous: pl.DataFrame | None = None,
    workers: int = 1,
    outages: OutageLog | None = None,
) -> tuple[pl.DataFrame, list[ForecastResult], list[str]]:
    """Every producing well × product as one table (injectors are skipped), the per-well results, and
    the wells refitted.

    ``previous`` is the last table made with the same policy and horizon: a well whose rows have not
    changed since (same ``input_sha256``) keeps its forecast instead of being refitted, so a new day of
    data costs the wells it touches, not the whole fleet. With ``workers`` > 1 and at least
    ``PARALLEL_MIN_WELLS`` wells, batches of wells are forecast in that many worker processes (each well
    is independent); the output is the same, in the same order. ``outages`` (the operator log) shape the
    uptime of wells down on their last day, their planned ends included.
    """
    reusable = previous is not None and previous.height > 0 and "input_sha256" in previous.columns
    chunks = _chunks(production, previous if reusable else None)
    n_wells = production["well_id"].n_unique() if production.height else 0
    if workers > 1 and n_wells >= PARALLEL_MIN_WELLS:
        args = (products, horizon_days, config, outages)
        outputs: Iterable[ChunkOutput] = _in_workers(_forecast_wells, chunks, workers, *args)
    else:
        outputs = (_forecast_wells(chunk, products, horizon_days, config, outages) for chunk in chunks)
    frames, results, refitted = [], [], []
    for chunk_frames, chunk_results, chunk_refitted in outputs:
        frames.extend(chunk_frames)
        results.extend(chunk_results)
        refitted.extend(chunk_refitted)
    if not frames:
        return pl.DataFrame(schema=FORECAST_SCHEMA), results, refitted
    return pl.concat(frames).cast(FORECAST_SCHEMA), results, refitted


def _in_workers(
    forecast_chunk: Callable[..., ChunkT], chunks: Iterable[Any], workers: int, *args: Any
) -> Iterator[ChunkT]:
    """``forecast_chunk(chunk, *args)`` of every chunk, in submission order, with at most two chunks per
    worker in flight, so the inputs are not all copied to the workers at once.

    joblib's loky workers: fresh processes (a forked child could deadlock on the parent's polars or BLAS
    thread pools) that, unlike multiprocessing's spawn, do not re-run the caller's ``__main__``, so this
    works the same from the CLI, a Dagster run worker, a notebook or pytest-xdist; the pool is reused
    between calls.
    """
    from joblib import Parallel, delayed

    run = Parallel(n_jobs=workers, backend="loky", return_as="generator", pre_dispatch="2*n_jobs")
    yield from run(delayed(forecast_chunk)(chunk, *args) for chunk in chunks)


MONTHLY_FORECAST_SCHEMA: dict[str, pl.DataType] = {
    "level": pl.String(),  # "well" or "field"
    "series_id": pl.String(),
    "product": pl.String(),
    **MONTHLY_SCHEMA,
    "model": pl.String(),
    "status": pl.String(),
    "reason": pl.String(),
}


_MONTHLY_LABELS = {c: pl.String() for c in ("level", "series_id", "product", "model", "status", "reason")}


def _monthly_table(level: str, forecasts: list[tuple[str, MonthlyForecast]]) -> pl.DataFrame:
    """The table rows of (product, forecast) pairs, built once (labels gathered to each series' points),
    not with a polars operation per series."""
    if not forecasts:
        return pl.DataFrame(schema=MONTHLY_FORECAST_SCHEMA)
    points = [result.points for _, result in forecasts]
    labels = pl.DataFrame(
        [(level, r.series_id, product, r.model, r.status, r.reason) for product, r in forecasts],
        schema=_MONTHLY_LABELS,
        orient="row",
    )
    series_of_row = np.repeat(np.arange(len(points)), [p.height for p in points])
    table = pl.concat([pl.concat(points), labels[series_of_row]], how="horizontal")
    return table.select(list(MONTHLY_FORECAST_SCHEMA))


def field_monthly_history(production: pl.DataFrame, field_id: str, product: str) -> pl.DataFrame:
    """A field's complete months from silver: month, volume_sm3 (sum over its producing wells).

    The last month is dropped when its last reported day is not the month's last day: a partial month
    would read as a collapse in production.
    """
    rows = production.filter(pl.col("field_id") == field_id)
    monthly = (
        rows.group_by(pl.col("production_date").dt.truncate("1mo").alias("month"))
        .agg(volume_sm3=pl.col(f"{product}_sm3").fill_null(0.0).sum(), last_day=pl.col("production_date").max())
        .sort("month")
    )
    if monthly.height and monthly["last_day"][-1] != monthly["month"].dt.month_end()[-1]:
        monthly = monthly.slice(0, monthly.height - 1)
    return monthly.select("month", "volume_sm3")


def forecast_monthly_all(
    production: pl.DataFrame, products: tuple[str, ...], horizon_months: int, workers: int = 1
) -> pl.DataFrame:
    """Medium-term monthly forecasts: every producing well from its daily history and every field from
    its wells' summed monthly volumes (a field total has no uptime of its own: calendar-month volumes).

    Wells are split from the table in one pass and, with ``workers`` > 1 and at least
    ``PARALLEL_MIN_WELLS`` wells, forecast in that many worker processes, as :func:`forecast_all` does;
    the table is the same, in the same order.
    """
    histories = production.partition_by("well_id", as_dict=True) if production.height else {}
    chunks = _batched([(key[0], histories[key]) for key in sorted(histories)], CHUNK_WELLS)
    if workers > 1 and len(histories) >= PARALLEL_MIN_WELLS:
        outputs: Iterable[list[pl.DataFrame]] = _in_workers(
            _forecast_wells_monthly, chunks, workers, products, horizon_months
        )
    else:
        outputs = (_forecast_wells_monthly(chunk, products, horizon_months) for chunk in chunks)
    frames = [frame for output in outputs for frame in output]
    located = production.filter(pl.col("field_id").is_not_null()) if production.height else production
    fields = located.partition_by("field_id", as_dict=True) if located.height else {}
    field_forecasts = []
    for key in sorted(fields):
        field_id = key[0]
        for product in products:
            history = field_monthly_history(fields[key], field_id, product)
            result = forecast_monthly(
                history["month"], history["volume_sm3"].to_numpy(), horizon_months, series_id=field_id
            )
            field_forecasts.append((product, result))
    frames.append(_monthly_table("field", field_forecasts))
    return pl.concat(frames).cast(MONTHLY_FORECAST_SCHEMA)


def _forecast_wells_monthly(
    wells: list[tuple[str, pl.DataFrame]], products: tuple[str, ...], horizon_months: int
) -> list[pl.DataFrame]:
    """The monthly rows of a batch of wells, in this process (injectors are skipped)."""
    forecasts = []
    for well_id, history in wells:
        try:
            rows = forecast_rows(history, well_id)  # once per well, shared by its products
        except NotAProducerError:
            continue
        series = [series_from_rows(rows, product, well_id) for product in products]
        for product, one, monthly in zip(products, series, monthly_by_product(series), strict=True):
            forecasts.append((product, forecast_well_monthly(one, horizon_months, monthly)))
    return [_monthly_table("well", forecasts)]


def _batched(items: list[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
