"""Typed request and response bodies of the API (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Product(StrEnum):
    oil = "oil"
    gas = "gas"
    water = "water"


class Level(StrEnum):
    field = "field"
    well = "well"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field("about:blank", examples=["https://datalive.dev/problems/validation-error"])
    title: str = Field(examples=["Invalid request"])
    status: int = Field(examples=[422])
    detail: str | None = Field(None, examples=["One or more parameters are invalid; see errors."])
    instance: str | None = Field(None, examples=["/insights"])
    request_id: str | None = Field(None, examples=["3f2b8c1e9d7a4b6c8e0f1a2b3c4d5e6f"])
    errors: list[dict[str, Any]] | None = None


class DependencyStatus(BaseModel):
    ready: bool
    detail: str = Field(examples=["gold loaded: 455 well-days"])


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="ok when every dependency is ready")
    environment: str = Field(examples=["dev"])
    version: str = Field(examples=["0.1.0"])
    checks: dict[str, DependencyStatus]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "degraded",
                    "environment": "dev",
                    "version": "0.1.0",
                    "checks": {
                        "warehouse": {"ready": True, "detail": "gold loaded: 455 well-days"},
                        "lake": {"ready": True, "detail": "silver and forecasts present"},
                        "index": {"ready": False, "detail": "explain engine not installed"},
                        "model_registry": {"ready": False, "detail": "no champion forecast policy promoted"},
                    },
                }
            ]
        }
    )


class InsightRow(BaseModel):
    """One day of one field or well, for one product, with its three variances."""

    production_date: date
    field_id: str
    well_id: str | None = Field(None, description="null on field rows")
    product: Product
    volume_sm3: float | None = Field(description="the product's volume that day, Sm3")
    uptime: float | None = Field(description="on-stream hours / hours in the day")
    water_cut: float | None
    gor: float | None = Field(description="gas-oil ratio, Sm3/Sm3")
    on_stream_hrs: float | None
    downtime_hrs: float | None
    previous_day_sm3: float | None = Field(description="volume on the calendar day before (null if none reported)")
    change_vs_previous_day_sm3: float | None
    change_vs_previous_day_pct: float | None
    avg_7d_sm3: float | None = Field(description="gold's trailing 7-calendar-day average, the day included")
    change_vs_avg_7d_sm3: float | None
    change_vs_avg_7d_pct: float | None
    plan_sm3: float | None = Field(
        description="the month's operator-reported volume (reported monthly sheet) / days in the month; "
        "Volve ships no budget or plan, so this is the only operator target the data holds"
    )
    change_vs_plan_sm3: float | None
    change_vs_plan_pct: float | None


class InsightsPage(BaseModel):
    level: Level
    product: Product
    plan_basis: str = Field(examples=["reported_monthly_volume_per_day"])
    page: int
    page_size: int
    total: int = Field(description="rows matching the filters, over all pages")
    items: list[InsightRow]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": "well",
                    "product": "oil",
                    "plan_basis": "reported_monthly_volume_per_day",
                    "page": 1,
                    "page_size": 100,
                    "total": 1,
                    "items": [
                        {
                            "production_date": "2016-03-14",
                            "field_id": "VOLVE",
                            "well_id": "15/9-F-12",
                            "product": "oil",
                            "volume_sm3": 95.2,
                            "uptime": 1.0,
                            "water_cut": 0.93,
                            "gor": 151.0,
                            "on_stream_hrs": 24.0,
                            "downtime_hrs": 0.0,
                            "previous_day_sm3": 97.0,
                            "change_vs_previous_day_sm3": -1.8,
                            "change_vs_previous_day_pct": -1.86,
                            "avg_7d_sm3": 96.1,
                            "change_vs_avg_7d_sm3": -0.9,
                            "change_vs_avg_7d_pct": -0.94,
                            "plan_sm3": 94.0,
                            "change_vs_plan_sm3": 1.2,
                            "change_vs_plan_pct": 1.28,
                        }
                    ],
                }
            ]
        }
    )


class ForecastPoint(BaseModel):
    date: date
    p10: float | None
    p50: float | None
    p90: float | None
    uptime: float | None = Field(None, description="expected uptime (well forecasts only)")
    volume_p50: float | None = Field(None, description="expected calendar-day volume, Sm3/d")


class ForecastSeries(BaseModel):
    level: Level
    id: str = Field(description="well id or field id", examples=["15/9-F-12"])
    product: Product
    horizon_days: int
    basis: str = Field(
        description="well: rate on producing days (Sm3/d); field: expected daily volumes of its wells summed "
        "quantile by quantile (a comonotone sum, so the band is as wide as it can be)"
    )
    model_version: str | None = Field(description="the champion policy's registry version; null if none promoted")
    mlflow_run_id: str | None
    models: dict[str, str] = Field(description="the method chosen per well")
    statuses: dict[str, str] = Field(description="ok / fallback / shut_in ... per well")
    origin: date | None = Field(description="the last landed day the forecast starts after")
    points: list[ForecastPoint]


class ExplainRequest(BaseModel):
    question: str = Field(
        min_length=3, max_length=500, examples=["Why did oil production on 15/9-F-12 drop on 2016-03-14?"]
    )

    model_config = ConfigDict(extra="forbid")


class Citation(BaseModel):
    id: str
    source: str
    quote: str


class Fact(BaseModel):
    table: str
    keys: dict[str, Any] | list[Any] | str | None = None
    column: str
    value: Any = None


class Explanation(BaseModel):
    answer: str
    refused: bool
    reason: str | None = None
    citations: list[Citation] = []
    facts: list[Fact] = []
    # The structured query answered: kind, metric, wells, field, period (start, end, grain, label,
    # relative_to), period2, language, n, order. Null when the question was refused before it parsed.
    query: dict[str, Any] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer": "Oil on 15/9-F-12 fell because the well was down 6 h on 2016-03-14 [c1].",
                    "refused": False,
                    "reason": None,
                    "citations": [{"id": "c1", "source": "daily_report/2016-03-14", "quote": "on stream 18 h"}],
                    "facts": [
                        {
                            "table": "gold.fct_well_daily_production",
                            "keys": {"well_id": "15/9-F-12", "production_date": "2016-03-14"},
                            "column": "on_stream_hrs",
                            "value": 18.0,
                        }
                    ],
                }
            ]
        }
    )


class WellInfo(BaseModel):
    well_id: str
    field_id: str | None
    well_type: str | None
    first_production_date: date | None
    last_production_date: date | None


class DefermentRow(BaseModel):
    cause: str = Field(description="the operator event's cause covering the well-day, or 'unspecified'")
    downtime_hrs: float
    deferred_oil_sm3: float = Field(description="downtime share of the day x the well's 7-day average oil")
    well_days: int


class Deferment(BaseModel):
    """Downtime and estimated deferred oil per cause over the filtered well-days, largest first."""

    field: str | None
    well: str | None
    start: date | None
    end: date | None
    basis: str
    items: list[DefermentRow]


class Catalog(BaseModel):
    """What can be asked for: fields, wells and the dates gold covers."""

    fields: list[str]
    wells: list[WellInfo]
    first_date: date | None
    last_date: date | None
