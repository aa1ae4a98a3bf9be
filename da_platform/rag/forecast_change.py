"""Why a well's forecast moved: the stored forecast of the latest run against the previous stored one.

The forecast asset overwrites ``forecast/well_daily_forecasts`` on every run, so each Delta version of
that table is one run's forecast. The current version is compared with the latest earlier version whose
forecast for the well differs (a run that reused the well's forecast changed nothing to explain). Where
the table has no earlier differing version (one run so far, or an older one vacuumed), the earlier
forecast is recomputed from gold with the default policy (the code the forecast asset runs) at an origin a
month before the current one. The forecast volume is rate × uptime, so its change splits into a rate and
an uptime effect exactly like production changes do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import polars as pl

from da_platform.lakehouse.delta_lake import Lake
from da_platform.rag.analysis import Fact, decompose
from da_platform.rag.documents import WELL_DAY_TABLE, WELL_MONTH_TABLE, chunk_id, fmt, pct

HORIZON_DAYS = 30
LOOKBACK_DAYS = 30
RECOMPUTED_TABLE = "forecast.recomputed_from_gold"
STORED_TABLE = "forecast.well_daily_forecasts"
FORECASTS = "forecast/well_daily_forecasts"
# How many earlier versions are searched for a forecast that differs; older runs are not "the previous".
MAX_VERSIONS_BACK = 30

_HISTORY_SQL = f"""
SELECT production_date, well_id, on_stream_hrs, oil_sm3, gas_sm3, water_sm3, avg_choke_size_pct,
    'production' AS flow_kind
FROM {WELL_DAY_TABLE} WHERE well_id = ? ORDER BY production_date
"""


@dataclass(frozen=True)
class Side:
    """One forecast's means over its first ``HORIZON_DAYS`` days, and where it comes from."""

    volume: float
    rate: float
    uptime: float
    model: str
    origin: date
    table: str
    version: int | None = None  # the Delta version of a stored forecast

    def keys(self, well_id: str, product: str) -> dict[str, str | int]:
        """The row keys its facts carry."""
        keys: dict[str, str | int] = {"well_id": well_id, "product": product, "origin": self.origin.isoformat()}
        return keys if self.version is None else {**keys, "version": self.version}


def _side(rows: pl.DataFrame, table: str, version: int | None) -> Side | None:
    """Means of a stored forecast's first days (rows of one well and product)."""
    points = rows.drop_nulls("date").sort("date").head(HORIZON_DAYS)
    if points.height == 0:
        return None
    origin = points["date"][0] - timedelta(days=1)
    return Side(
        float(points["volume_p50"].fill_null(0.0).mean()),
        float(points["p50"].fill_null(0.0).mean()),
        float(points["uptime"].fill_null(0.0).mean()),
        str(rows["model"][0]),
        origin,
        table,
        version,
    )


class StoredForecasts:
    """The versions of the stored forecast table, each read once (a Delta version never changes)."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self._lock = threading.Lock()
        self._versions: dict[int, pl.DataFrame] = {}
        self._current: tuple[object, int | None] | None = None  # (change marker, version it stood for)
        self._pairs: dict[tuple[int, str, str], tuple[Side, Side | None] | None] = {}

    def _current_version(self) -> int | None:
        """The table's version, looked up again only when its change marker moves (a cheap stat)."""
        marker = self.lake.change_marker(FORECASTS)
        cached = self._current
        if cached is not None and cached[0] == marker:
            return cached[1]
        version = None if marker is None else self.lake.version(FORECASTS)
        self._current = (marker, version)
        return version

    def _rows(self, version: int, well_id: str, product: str) -> pl.DataFrame:
        with self._lock:
            frame = self._versions.get(version)
            if frame is None:
                frame = self.lake.read(FORECASTS, version=version).with_columns(pl.col("date").cast(pl.Date))
                self._versions[version] = frame
        return frame.filter((pl.col("well_id") == well_id) & (pl.col("product") == product))

    def pair(self, well_id: str, product: str) -> tuple[Side, Side | None] | None:
        """The current stored forecast of a well and the previous stored one that differs (None: none
        stored); None overall when no forecast of the well is stored."""
        try:
            current_version = self._current_version()
        except Exception:  # an unreadable table is "none stored": the recomputed comparison answers instead
            return None
        if current_version is None:
            return None
        key = (current_version, well_id, product)
        if key not in self._pairs:  # versions never change: the pair of a current version is final
            self._pairs[key] = self._pair(current_version, well_id, product)
        return self._pairs[key]

    def _pair(self, current_version: int, well_id: str, product: str) -> tuple[Side, Side | None] | None:
        current_rows = self._rows(current_version, well_id, product)
        current = _side(current_rows, STORED_TABLE, current_version)
        if current is None:
            return None
        signature = _signature(current_rows)
        for version in range(current_version - 1, max(-1, current_version - 1 - MAX_VERSIONS_BACK), -1):
            try:
                rows = self._rows(version, well_id, product)
            except Exception:  # a vacuumed version ends the history that can be read
                break
            if rows.height and _signature(rows) != signature:
                return current, _side(rows, STORED_TABLE, version)
        return current, None


def _signature(rows: pl.DataFrame) -> tuple:
    """What makes two stored forecasts of one well the same: its input, model and points."""
    points = rows.sort("date").select("date", "p50", "uptime", "volume_p50")
    return (tuple(rows["model"].unique().sort().to_list()), points.rows())


def _recomputed(history: pl.DataFrame, well_id: str, product: str) -> Side | None:
    from da_platform.forecast.select import ForecastConfig, forecast_series, known_breaks
    from da_platform.forecast.series import daily_series

    # The same policy as the forecast asset's, choke changes as known breaks included, so a recomputed side
    # differs from a stored one only by the days it was computed from.
    config = ForecastConfig()
    series = daily_series(history, product, well_id)
    result = forecast_series(series, HORIZON_DAYS, config, known_breaks(history, series, config))
    if result.points.height == 0 or result.origin is None:
        return None
    points = result.points
    return Side(
        float(points["volume_p50"].mean()),
        float(points["p50"].mean()),
        float(points["uptime"].mean()),
        result.model,
        result.origin,
        RECOMPUTED_TABLE,
    )


class Queries(Protocol):
    """What the comparison reads gold through: a warehouse, or the question's open gold session."""

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame: ...


def _last_day(warehouse: Queries, well_id: str) -> date | None:
    return warehouse.query(f"SELECT max(production_date) AS last FROM {WELL_DAY_TABLE} WHERE well_id = ?", [well_id])[
        "last"
    ][0]


def _sides(
    warehouse: Queries, well_id: str, product: str, stored: StoredForecasts | None
) -> tuple[Side, Side, date] | str:
    """The two forecasts to compare and the well's last day in gold, or why there are not two.

    Both stored when the table holds an earlier differing forecast; otherwise the stored current one (when
    it starts from the well's last day in gold) against a recomputed one, or both recomputed."""
    pair = stored.pair(well_id, product) if stored else None
    last = _last_day(warehouse, well_id)
    if last is None:
        return f"no production history for {well_id}"
    if pair and pair[1] is not None:
        return pair[0], pair[1], last
    earlier_origin = last - timedelta(days=LOOKBACK_DAYS)
    history = warehouse.query(_HISTORY_SQL, [well_id])
    now = pair[0] if pair and pair[0].origin == last else _recomputed(history, well_id, product)
    before = _recomputed(history.filter(pl.col("production_date") <= earlier_origin), well_id, product)
    if now is None or before is None:
        return f"not enough producing history of {well_id} to forecast from both {earlier_origin} and {last}"
    return now, before, last


def forecast_change(
    warehouse: Queries,
    well_id: str,
    product: str,
    language: str = "en",
    stored: StoredForecasts | None = None,
) -> tuple[list[Fact], list[tuple[str, list[str]]], date, date] | str:
    """Facts and sentences comparing the two forecasts (in English or Spanish), or why it cannot be answered."""
    sides = _sides(warehouse, well_id, product, stored)
    if isinstance(sides, str):
        return sides
    now, before, last = sides
    split = decompose(well_id, before.volume, now.volume, before.uptime, now.uptime)
    keys_now, keys_before = now.keys(well_id, product), before.keys(well_id, product)
    facts = [
        Fact(now.table, keys_now, "mean_volume_p50_30d", round(now.volume, 4)),
        Fact(before.table, keys_before, "mean_volume_p50_30d", round(before.volume, 4)),
        Fact(now.table, keys_now, "mean_rate_p50_30d", round(now.rate, 4)),
        Fact(before.table, keys_before, "mean_rate_p50_30d", round(before.rate, 4)),
        Fact(now.table, keys_now, "mean_uptime_30d", round(now.uptime, 6)),
        Fact(before.table, keys_before, "mean_uptime_30d", round(before.uptime, 6)),
        Fact(
            now.table,
            {**keys_now, "previous_origin": before.origin.isoformat()},
            "change_volume_p50",
            round(now.volume - before.volume, 4),
        ),
        Fact(now.table, keys_now, "uptime_effect", round(split.uptime_effect, 4)),
        Fact(now.table, keys_now, "rate_effect", round(split.rate_effect, 4)),
        Fact(now.table, keys_now, "horizon_days", HORIZON_DAYS),
    ]
    # Recent actuals: what moved the forecast is what the well did between the two origins.
    span = {"well_id": well_id, "from": (before.origin + timedelta(days=1)).isoformat(), "to": now.origin.isoformat()}
    recent = warehouse.query(
        f"""SELECT coalesce(sum({product}_sm3), 0) AS volume, coalesce(sum(on_stream_hrs), 0) AS hours
            FROM {WELL_DAY_TABLE} WHERE well_id = ? AND production_date > ? AND production_date <= ?""",
        [well_id, before.origin, now.origin],
    ).row(0)
    recent_volume, recent_hours = float(recent[0]), float(recent[1])
    facts += [
        Fact(WELL_DAY_TABLE, span, f"sum({product}_sm3)", round(recent_volume, 4)),
        Fact(WELL_DAY_TABLE, span, "sum(on_stream_hrs)", round(recent_hours, 4)),
    ]
    cards = [
        chunk_id(WELL_DAY_TABLE, well_id=well_id, production_date=last.isoformat()),
        chunk_id(WELL_MONTH_TABLE, well_id=well_id, month=last.isoformat()[:7]),
    ]
    compose = _lines_es if language == "es" else _lines_en
    return facts, compose(product, well_id, now, before, split, recent_volume, recent_hours, cards), before.origin, last


def _direction(now: Side, before: Side) -> str:
    return "lower" if now.volume < before.volume else "higher" if now.volume > before.volume else "unchanged"


_COMPARED = {"lower": "lower than", "higher": "higher than", "unchanged": "the same as"}


def _lines_en(product, well_id, now, before, split, recent_volume, recent_hours, cards):
    """The three sentences in English."""
    mechanism = "the expected uptime" if split.mechanism == "uptime" else "the expected rate on producing days"
    what = "stored forecast" if before.version is not None else "one"
    return [
        (
            f"The {product} forecast for {well_id} from {now.origin.isoformat()} (model {now.model}) "
            f"is {_COMPARED[_direction(now, before)]} the {what} from {before.origin.isoformat()} "
            f"(model {before.model}): {fmt(now.volume)} against {fmt(before.volume)} Sm3/d on average over the next "
            f"{HORIZON_DAYS} days",
            [],
        ),
        (
            f"Most of the difference comes from {mechanism}: rate {fmt(before.rate)} to {fmt(now.rate)} Sm3/d "
            f"on producing days, uptime {pct(before.uptime)} to {pct(now.uptime)} (rate effect "
            f"{fmt(split.rate_effect)} Sm3/d, uptime effect {fmt(split.uptime_effect)} Sm3/d)",
            [],
        ),
        (
            f"Both forecasts start from {now.origin.isoformat()}: no production came in between them, so the "
            "change comes from the forecast policy"
            if now.origin == before.origin
            else f"Between the two origins the well produced {fmt(recent_volume)} Sm3 in {fmt(recent_hours)} "
            "on-stream hours",
            cards,
        ),
    ]


def _es(value: float) -> str:
    return fmt(value).replace(".", ",")


def _lines_es(product, well_id, now, before, split, recent_volume, recent_hours, cards):
    """The same three sentences in Spanish (decimal comma)."""
    name = {"oil": "petróleo", "gas": "gas", "water": "agua"}[product]
    word = {"lower": "menor", "higher": "mayor", "unchanged": "igual"}[_direction(now, before)]
    mechanism = "del uptime esperado" if split.mechanism == "uptime" else "del caudal esperado en días de producción"
    what = "el pronóstico guardado" if before.version is not None else "el"
    return [
        (
            f"El pronóstico de {name} de {well_id} desde {now.origin.isoformat()} (modelo {now.model}) es {word} que "
            f"{what} de {before.origin.isoformat()} (modelo {before.model}): {_es(now.volume)} frente a "
            f"{_es(before.volume)} Sm3/d de media en los próximos {HORIZON_DAYS} días",
            [],
        ),
        (
            f"La mayor parte de la diferencia viene {mechanism}: caudal de {_es(before.rate)} a {_es(now.rate)} "
            f"Sm3/d en días de producción, uptime de {pct(before.uptime).replace('.', ',')} a "
            f"{pct(now.uptime).replace('.', ',')} (efecto del caudal {_es(split.rate_effect)} Sm3/d, efecto del "
            f"uptime {_es(split.uptime_effect)} Sm3/d)",
            [],
        ),
        (
            f"Los dos pronósticos parten del {now.origin.isoformat()}: no entró producción entre ellos, así que el "
            "cambio viene de la política de pronóstico"
            if now.origin == before.origin
            else f"Entre los dos orígenes el pozo produjo {_es(recent_volume)} Sm3 en {_es(recent_hours)} horas en "
            "producción",
            cards,
        ),
    ]
