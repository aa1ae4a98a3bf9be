"""Why a well's forecast moved: the forecast from the last landed day against the one a month earlier.

Both forecasts are recomputed from gold with the default forecast policy (the same code the forecast
assets run), so the comparison needs no stored forecast history. The forecast volume is rate × uptime,
so its change splits into a rate and an uptime effect exactly like production changes do.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from da_platform.lakehouse.warehouse import Warehouse
from da_platform.rag.analysis import Fact, decompose
from da_platform.rag.documents import WELL_DAY_TABLE, WELL_MONTH_TABLE, chunk_id, fmt, pct

HORIZON_DAYS = 30
LOOKBACK_DAYS = 30
FORECAST_TABLE = "forecast.recomputed_from_gold"

_HISTORY_SQL = f"""
SELECT production_date, well_id, on_stream_hrs, oil_sm3, gas_sm3, water_sm3, 'production' AS flow_kind
FROM {WELL_DAY_TABLE} WHERE well_id = ? ORDER BY production_date
"""


def _forecast(history: pl.DataFrame, well_id: str, product: str) -> tuple[float, float, float, str, date] | None:
    from da_platform.forecast.select import ForecastConfig, forecast_series
    from da_platform.forecast.series import daily_series

    series = daily_series(history, product, well_id)
    result = forecast_series(series, HORIZON_DAYS, ForecastConfig())
    if result.points.height == 0 or result.origin is None:
        return None
    points = result.points
    return (
        float(points["volume_p50"].mean()),
        float(points["p50"].mean()),
        float(points["uptime"].mean()),
        result.model,
        result.origin,
    )


def forecast_change(
    warehouse: Warehouse, well_id: str, product: str, language: str = "en"
) -> tuple[list[Fact], list[tuple[str, list[str]]], date, date] | str:
    """Facts and sentences comparing the two forecasts (in English or Spanish), or why it cannot be answered."""
    history = warehouse.query(_HISTORY_SQL, [well_id])
    if history.height == 0:
        return f"no production history for {well_id}"
    last = history["production_date"].max()
    earlier_origin = last - timedelta(days=LOOKBACK_DAYS)
    now = _forecast(history, well_id, product)
    before = _forecast(history.filter(pl.col("production_date") <= earlier_origin), well_id, product)
    if now is None or before is None:
        return f"not enough producing history of {well_id} to forecast from both {earlier_origin} and {last}"
    vol_now, rate_now, up_now, model_now, origin_now = now
    vol_before, rate_before, up_before, model_before, origin_before = before
    split = decompose(well_id, vol_before, vol_now, up_before, up_now)
    keys_now = {"well_id": well_id, "product": product, "origin": origin_now.isoformat()}
    keys_before = {"well_id": well_id, "product": product, "origin": origin_before.isoformat()}
    facts = [
        Fact(FORECAST_TABLE, keys_now, "mean_volume_p50_30d", round(vol_now, 4)),
        Fact(FORECAST_TABLE, keys_before, "mean_volume_p50_30d", round(vol_before, 4)),
        Fact(FORECAST_TABLE, keys_now, "mean_rate_p50_30d", round(rate_now, 4)),
        Fact(FORECAST_TABLE, keys_before, "mean_rate_p50_30d", round(rate_before, 4)),
        Fact(FORECAST_TABLE, keys_now, "mean_uptime_30d", round(up_now, 6)),
        Fact(FORECAST_TABLE, keys_before, "mean_uptime_30d", round(up_before, 6)),
        Fact(
            FORECAST_TABLE,
            {**keys_now, "previous_origin": origin_before.isoformat()},
            "change_volume_p50",
            round(vol_now - vol_before, 4),
        ),
        Fact(FORECAST_TABLE, keys_now, "uptime_effect", round(split.uptime_effect, 4)),
        Fact(FORECAST_TABLE, keys_now, "rate_effect", round(split.rate_effect, 4)),
        Fact(FORECAST_TABLE, keys_now, "horizon_days", HORIZON_DAYS),
    ]
    direction = "lower" if vol_now < vol_before else "higher" if vol_now > vol_before else "unchanged"
    mechanism = "the expected uptime" if split.mechanism == "uptime" else "the expected rate on producing days"
    # Recent actuals: what moved the forecast is what the well did between the two origins.
    recent = history.filter(pl.col("production_date") > earlier_origin)
    recent_oil = float(recent[f"{product}_sm3"].fill_null(0.0).sum())
    recent_hours = float(recent["on_stream_hrs"].fill_null(0.0).sum())
    facts += [
        Fact(
            WELL_DAY_TABLE,
            {"well_id": well_id, "from": (earlier_origin + timedelta(days=1)).isoformat(), "to": last.isoformat()},
            f"sum({product}_sm3)",
            round(recent_oil, 4),
        ),
        Fact(
            WELL_DAY_TABLE,
            {"well_id": well_id, "from": (earlier_origin + timedelta(days=1)).isoformat(), "to": last.isoformat()},
            "sum(on_stream_hrs)",
            round(recent_hours, 4),
        ),
    ]
    month_card = chunk_id(WELL_MONTH_TABLE, well_id=well_id, month=last.isoformat()[:7])
    last_card = chunk_id(WELL_DAY_TABLE, well_id=well_id, production_date=last.isoformat())
    if language == "es":
        lines = _lines_es(
            product, well_id, origin_now, model_now, origin_before, model_before, direction, split,
            (vol_now, vol_before, rate_now, rate_before, up_now, up_before, recent_oil, recent_hours),
            [last_card, month_card],
        )  # fmt: skip
    else:
        lines = [
            (
                f"The {product} forecast for {well_id} from {origin_now.isoformat()} (model {model_now}) "
                f"is {direction} than "
                f"the one from {origin_before.isoformat()} (model {model_before}): {fmt(vol_now)} against "
                f"{fmt(vol_before)} Sm3/d on average over the next {HORIZON_DAYS} days",
                [],
            ),
            (
                f"Most of the difference comes from {mechanism}: rate {fmt(rate_before)} to {fmt(rate_now)} Sm3/d "
                f"on producing days, uptime {pct(up_before)} to {pct(up_now)} (rate effect "
                f"{fmt(split.rate_effect)} Sm3/d, uptime effect {fmt(split.uptime_effect)} Sm3/d)",
                [],
            ),
            (
                f"Between the two origins the well produced {fmt(recent_oil)} Sm3 in {fmt(recent_hours)} "
                "on-stream hours",
                [last_card, month_card],
            ),
        ]
    return facts, lines, earlier_origin, last


def _es(value: float) -> str:
    return fmt(value).replace(".", ",")


def _lines_es(product, well_id, origin_now, model_now, origin_before, model_before, direction, split, v, cards):
    """The same three sentences in Spanish (decimal comma)."""
    vol_now, vol_before, rate_now, rate_before, up_now, up_before, recent_oil, recent_hours = v
    name = {"oil": "petróleo", "gas": "gas", "water": "agua"}[product]
    word = {"lower": "menor", "higher": "mayor", "unchanged": "igual"}[direction]
    mechanism = "del uptime esperado" if split.mechanism == "uptime" else "del caudal esperado en días de producción"
    return [
        (
            f"El pronóstico de {name} de {well_id} desde {origin_now.isoformat()} (modelo {model_now}) es {word} que "
            f"el de {origin_before.isoformat()} (modelo {model_before}): {_es(vol_now)} frente a {_es(vol_before)} "
            f"Sm3/d de media en los próximos {HORIZON_DAYS} días",
            [],
        ),
        (
            f"La mayor parte de la diferencia viene {mechanism}: caudal de {_es(rate_before)} a {_es(rate_now)} "
            f"Sm3/d en días de producción, uptime de {pct(up_before).replace('.', ',')} a "
            f"{pct(up_now).replace('.', ',')} (efecto del caudal {_es(split.rate_effect)} Sm3/d, efecto del uptime "
            f"{_es(split.uptime_effect)} Sm3/d)",
            [],
        ),
        (
            f"Entre los dos orígenes el pozo produjo {_es(recent_oil)} Sm3 en {_es(recent_hours)} horas en producción",
            cards,
        ),
    ]
