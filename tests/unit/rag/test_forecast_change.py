"""Why a forecast changed: the stored forecast of the latest run against the previous run's stored one."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from da_platform.forecast.service import FORECAST_SCHEMA
from da_platform.lakehouse.delta_lake import LocalLake
from da_platform.lakehouse.warehouse import Warehouse
from da_platform.rag.forecast_change import FORECASTS, STORED_TABLE, StoredForecasts, forecast_change

WELL = "15/9-F-12"
LAST = date(2016, 3, 31)


def forecast_rows(origin: date, rate: float, uptime: float, model: str, days: int = 90) -> pl.DataFrame:
    """One well's oil forecast: a flat rate and uptime from the day after ``origin``."""
    return pl.DataFrame(
        {
            "well_id": [WELL] * days,
            "product": ["oil"] * days,
            "date": [origin + timedelta(days=n) for n in range(1, days + 1)],
            "p10": [rate * 0.8] * days,
            "p50": [rate] * days,
            "p90": [rate * 1.2] * days,
            "uptime": [uptime] * days,
            "volume_p10": [rate * 0.8 * uptime] * days,
            "volume_p50": [rate * uptime] * days,
            "volume_p90": [rate * 1.2 * uptime] * days,
            "model": [model] * days,
            "status": ["ok"] * days,
            "reason": [None] * days,
            "input_sha256": [origin.isoformat()] * days,
        },
        schema=FORECAST_SCHEMA,
    )


@pytest.fixture
def lake(tmp_path: Path) -> LocalLake:
    return LocalLake(tmp_path / "dev" / "lake", "dev")


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    """Gold well days of 15/9-F-12 in March 2016: 200 Sm3 in 20 h a day."""
    path = tmp_path / "dev" / "warehouse" / "w.duckdb"
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA gold")
        con.execute(
            "CREATE TABLE gold.fct_well_daily_production AS SELECT CAST(DATE '2016-03-01' + INTERVAL (n) DAY AS DATE) "
            "AS production_date, '15/9-F-12' AS well_id, 20.0 AS on_stream_hrs, 200.0 AS oil_sm3, 0.0 AS gas_sm3, "
            "0.0 AS water_sm3 FROM range(31) t(n)"
        )
    return Warehouse(path, "dev")


def test_the_latest_run_is_compared_with_the_previous_run_that_forecast_otherwise(lake, warehouse) -> None:
    lake.overwrite(FORECASTS, forecast_rows(date(2016, 3, 1), 300.0, 0.9, "arps_exponential"))  # version 0
    lake.overwrite(FORECASTS, forecast_rows(LAST, 240.0, 0.8, "ses"))  # version 1
    lake.overwrite(FORECASTS, forecast_rows(LAST, 240.0, 0.8, "ses"))  # version 2: reused, nothing new

    facts, lines, first, last = forecast_change(warehouse, WELL, "oil", "en", StoredForecasts(lake))

    assert (first, last) == (date(2016, 3, 1), LAST)
    volumes = {f.keys["version"]: f.value for f in facts if f.column == "mean_volume_p50_30d"}
    assert volumes == {2: 192.0, 0: 270.0}
    assert {f.table for f in facts if f.column.startswith("mean_")} == {STORED_TABLE}
    assert lines[0][0] == (
        "The oil forecast for 15/9-F-12 from 2016-03-31 (model ses) is lower than the stored forecast from "
        "2016-03-01 (model arps_exponential): 192.0 against 270.0 Sm3/d on average over the next 30 days"
    )
    # What the well did between the two origins: 30 days of 200 Sm3 in 20 h.
    assert lines[2][0] == "Between the two origins the well produced 6000.0 Sm3 in 600.0 on-stream hours"


def test_a_spanish_question_gets_the_same_comparison_in_spanish(lake, warehouse) -> None:
    lake.overwrite(FORECASTS, forecast_rows(date(2016, 3, 1), 300.0, 0.9, "arps_exponential"))
    lake.overwrite(FORECASTS, forecast_rows(LAST, 240.0, 0.8, "ses"))

    _, lines, _, _ = forecast_change(warehouse, WELL, "oil", "es", StoredForecasts(lake))

    assert lines[0][0].startswith(
        "El pronóstico de petróleo de 15/9-F-12 desde 2016-03-31 (modelo ses) es menor que el pronóstico guardado "
        "de 2016-03-01 (modelo arps_exponential): 192,0 frente a 270,0 Sm3/d"
    )


def test_a_table_with_one_forecast_has_no_previous_stored_one(lake) -> None:
    lake.overwrite(FORECASTS, forecast_rows(LAST, 240.0, 0.8, "ses"))
    lake.overwrite(FORECASTS, forecast_rows(LAST, 240.0, 0.8, "ses"))

    current, previous = StoredForecasts(lake).pair(WELL, "oil")

    assert (current.origin, current.version, previous) == (LAST, 1, None)


def test_no_stored_table_means_no_stored_pair(lake) -> None:
    assert StoredForecasts(lake).pair(WELL, "oil") is None


def test_two_forecasts_from_the_same_day_put_the_change_on_the_policy_not_on_new_production(lake, warehouse) -> None:
    lake.overwrite(FORECASTS, forecast_rows(LAST, 300.0, 0.9, "arps_exponential"))
    lake.overwrite(FORECASTS, forecast_rows(LAST, 240.0, 0.9, "ses"))

    _, lines, _, _ = forecast_change(warehouse, WELL, "oil", "en", StoredForecasts(lake))

    assert lines[2][0] == (
        "Both forecasts start from 2016-03-31: no production came in between them, so the change comes from the "
        "forecast policy"
    )


def test_a_recomputed_forecast_uses_the_forecast_assets_policy_choke_breaks_included() -> None:
    """A noisy well whose choke opened a year in: the recomputed side restarts its fit at the change, as the
    forecast asset (``service.forecast_well``) does, so the two differ only by the days they start from."""
    from da_platform.forecast.select import ForecastConfig
    from da_platform.forecast.service import forecast_well
    from da_platform.rag.forecast_change import HORIZON_DAYS, _recomputed

    days, opened, start = 500, 365, date(2014, 1, 1)
    rate = [(800.0 if n < opened else 880.0) * 0.999**n * (1 + 0.1 * math.sin(n * 1.7)) for n in range(days)]
    history = pl.DataFrame(
        {
            "production_date": [start + timedelta(days=n) for n in range(days)],
            "well_id": [WELL] * days,
            "on_stream_hrs": [24.0] * days,
            "oil_sm3": rate,
            "gas_sm3": [r * 150 for r in rate],
            "water_sm3": [10.0] * days,
            "avg_choke_size_pct": [30.0 if n < opened else 45.0 for n in range(days)],
            "flow_kind": ["production"] * days,
        }
    )
    side = _recomputed(history, WELL, "oil")
    asset = forecast_well(history, WELL, "oil", HORIZON_DAYS, ForecastConfig())
    assert side is not None
    assert side.rate == pytest.approx(float(asset.points["p50"].mean()))
    without_choke = _recomputed(history.drop("avg_choke_size_pct"), WELL, "oil")
    assert without_choke is not None and without_choke.rate != pytest.approx(side.rate)
