"""Documents for the explanation index, cut into chunks with stable ids that encode their source.

Chunk ids: ``<table>:<key>=<value>;<key>=<value>`` for rows of gold and of the events file, and
``<file>#<section-slug>`` for runbook sections. The id of a report card never changes while its keys exist;
its ``content_hash`` changes when its text does, which is what incremental indexing looks at.

Numbers in generated text are written without thousands separators, with one decimal for volumes and
hours and one decimal for percentages, so the numeric check can read them back exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from da_platform.lakehouse.warehouse import Warehouse
from da_platform.rag.events import Event

FIELD_DAY_TABLE = "gold.fct_field_daily_production"
WELL_DAY_TABLE = "gold.fct_well_daily_production"
WELL_MONTH_TABLE = "gold.fct_well_monthly_production"
FIELD_MONTH_TABLE = "gold.fct_field_monthly_production"
FACILITY_DAY_TABLE = "gold.fct_facility_daily_production"
FORECAST_TABLE = "forecast/well_daily_forecasts"
RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"


@dataclass(frozen=True)
class Chunk:
    """One retrievable unit of text and the metadata retrieval filters on."""

    id: str
    source: str
    # field_day | well_day | facility_day | well_month | field_month | facility_month | event | forecast | runbook
    kind: str
    text: str
    well_id: str | None = None
    field_id: str | None = None
    day_from: date | None = None
    day_to: date | None = None
    # What the dense leg embeds when it differs from ``text``. Report cards embed a qualitative summary
    # (what moved, uptime band) rather than their numbers and dates: numbers carry no meaning for a
    # sentence embedder, dates and keys are matched by the metadata filter and BM25, and cards that read
    # alike then share one vector, which keeps a full rebuild to a few hundred model calls.
    embed_text: str = ""

    @property
    def dense_text(self) -> str:
        """The text the embedder sees."""
        return self.embed_text or self.text

    @property
    def content_hash(self) -> str:
        """sha256 of everything that is embedded or filtered on: a change here means re-embedding."""
        payload = "\x1f".join(
            [self.text, self.dense_text, self.well_id or "", self.field_id or "", str(self.day_from), str(self.day_to)]
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def chunk_id(table: str, **keys: object) -> str:
    """``table:k1=v1;k2=v2`` in the order given: the id names the row it came from."""
    return f"{table}:" + ";".join(f"{k}={v}" for k, v in keys.items())


def fmt(value: float | None, digits: int = 1) -> str:
    """A number as the documents and answers show it (no thousands separator)."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    """A ratio (0..1) shown as a percentage with one decimal."""
    return "n/a" if value is None else f"{100 * value:.1f}%"


_FIELD_SQL = f"""
SELECT production_date, field_id, n_wells_reporting, n_wells_producing, uptime, oil_sm3, gas_sm3, water_sm3,
       water_injected_sm3, oil_dod_change_sm3, oil_sm3_ma7
FROM {FIELD_DAY_TABLE} ORDER BY field_id, production_date
"""
_WELL_SQL = f"""
SELECT production_date, well_id, field_id, on_stream_hrs, uptime, oil_sm3, gas_sm3, water_sm3, water_cut,
       oil_rate_sm3d, prev_day_oil_sm3, oil_dod_change_sm3
FROM {WELL_DAY_TABLE} ORDER BY well_id, production_date
"""
_FACILITY_DAY_SQL = f"""
SELECT production_date, facility_id, n_wells_reporting, n_wells_producing, on_stream_hrs, uptime, oil_sm3, gas_sm3,
       water_sm3, water_injected_sm3, water_cut
FROM {FACILITY_DAY_TABLE} WHERE facility_id IS NOT NULL ORDER BY facility_id, production_date
"""
_FACILITY_MONTH_SQL = f"""
SELECT facility_id, CAST(date_trunc('month', production_date) AS DATE) AS month_start, sum(oil_sm3) AS oil_sm3,
       sum(gas_sm3) AS gas_sm3, sum(water_sm3) AS water_sm3, sum(water_injected_sm3) AS water_injected_sm3,
       sum(on_stream_hrs) AS on_stream_hrs, max(n_wells_producing) AS n_wells_producing
FROM {FACILITY_DAY_TABLE} WHERE facility_id IS NOT NULL GROUP BY ALL ORDER BY facility_id, month_start
"""
_FIELD_MONTH_SQL = f"""
SELECT field_id, month_start, n_wells_producing, production_on_stream_hrs, oil_sm3, gas_sm3, water_sm3,
       water_injected_sm3
FROM {FIELD_MONTH_TABLE} WHERE oil_sm3 IS NOT NULL ORDER BY field_id, month_start
"""
_MONTH_SQL = f"""
SELECT well_id, field_id, month_start, producing_days, production_on_stream_hrs, oil_sm3, gas_sm3, water_sm3
FROM {WELL_MONTH_TABLE} WHERE oil_sm3 IS NOT NULL ORDER BY well_id, month_start
"""


def trend(change: float | None, before: float | None) -> str:
    """A change in words: 'fell sharply' (over 10 %), 'fell', 'was steady' (under 1 %), 'rose', 'rose sharply'."""
    if change is None or before is None:
        return "has no previous day to compare"
    ratio = change / before if before else (1.0 if change > 0 else 0.0)
    if ratio <= -0.10:
        return "fell sharply"
    if ratio <= -0.01:
        return "fell"
    if ratio < 0.01:
        return "was steady"
    return "rose sharply" if ratio >= 0.10 else "rose"


def uptime_band(uptime: float | None) -> str:
    """Uptime in words: shut in, partial uptime or full uptime."""
    if uptime is None or uptime <= 0:
        return "shut in, no on-stream time"
    return "full uptime" if uptime >= 0.99 else "partial uptime, downtime during the day"


def field_day_cards(field_days: pl.DataFrame, well_days: pl.DataFrame) -> Iterator[Chunk]:
    """One report card per field and day: volumes, uptime, change vs previous day and the top movers."""
    movers: dict[tuple[date, str], list[tuple[str, float]]] = {}
    changes = well_days.filter(pl.col("oil_dod_change_sm3").is_not_null()).sort(
        pl.col("oil_dod_change_sm3").abs(), descending=True
    )
    for day, field_id, well_id, change in changes.select(
        "production_date", "field_id", "well_id", "oil_dod_change_sm3"
    ).iter_rows():
        bucket = movers.setdefault((day, field_id), [])
        if len(bucket) < 3:
            bucket.append((well_id, change))
    for row in field_days.iter_rows(named=True):
        day, field_id = row["production_date"], row["field_id"]
        top = movers.get((day, field_id), [])
        mover_text = ", ".join(f"{w} {fmt(c)} Sm3" for w, c in top) or "none"
        text = (
            f"Daily report card, field {field_id}, {day.isoformat()}: oil {fmt(row['oil_sm3'])} Sm3, "
            f"change vs previous day {fmt(row['oil_dod_change_sm3'])} Sm3, "
            f"7-day average {fmt(row['oil_sm3_ma7'])} Sm3; "
            f"gas {fmt(row['gas_sm3'])} Sm3; water {fmt(row['water_sm3'])} Sm3; "
            f"water injected {fmt(row['water_injected_sm3'])} Sm3; uptime {pct(row['uptime'])}; "
            f"{row['n_wells_producing']} of {row['n_wells_reporting']} wells producing. "
            f"Top movers (oil change vs previous day): {mover_text}."
        )
        previous = None if row["oil_dod_change_sm3"] is None else (row["oil_sm3"] or 0.0) - row["oil_dod_change_sm3"]
        summary = (
            f"Daily report card for field {field_id}: "
            f"field oil production {trend(row['oil_dod_change_sm3'], previous)}; "
            f"{uptime_band(row['uptime'])}; top movers {', '.join(w for w, _ in top[:2]) or 'none'}"
        )
        yield Chunk(
            chunk_id(FIELD_DAY_TABLE, field_id=field_id, production_date=day.isoformat()),
            FIELD_DAY_TABLE,
            "field_day",
            text,
            None,
            field_id,
            day,
            day,
            summary,
        )


def well_day_cards(well_days: pl.DataFrame) -> Iterator[Chunk]:
    """One report card per well and day: volumes, hours, uptime, rate and change vs previous day."""
    for row in well_days.iter_rows(named=True):
        day, well_id = row["production_date"], row["well_id"]
        text = (
            f"Daily report card, well {well_id} ({row['field_id']}), {day.isoformat()}: oil {fmt(row['oil_sm3'])} Sm3, "
            f"change vs previous day {fmt(row['oil_dod_change_sm3'])} Sm3 "
            f"(previous day {fmt(row['prev_day_oil_sm3'])} Sm3); "
            f"on-stream {fmt(row['on_stream_hrs'])} h, uptime {pct(row['uptime'])}; "
            f"oil rate on producing time {fmt(row['oil_rate_sm3d'])} Sm3/d; gas {fmt(row['gas_sm3'])} Sm3; "
            f"water {fmt(row['water_sm3'])} Sm3; water cut {pct(row['water_cut'])}."
        )
        summary = (
            f"Daily report card for well {well_id}: oil {trend(row['oil_dod_change_sm3'], row['prev_day_oil_sm3'])}; "
            f"{uptime_band(row['uptime'])}"
        )
        yield Chunk(
            chunk_id(WELL_DAY_TABLE, well_id=well_id, production_date=day.isoformat()),
            WELL_DAY_TABLE,
            "well_day",
            text,
            well_id,
            row["field_id"],
            day,
            day,
            summary,
        )


def well_month_cards(months: pl.DataFrame) -> Iterator[Chunk]:
    """One card per well and month: monthly volumes and on-stream hours."""
    for row in months.iter_rows(named=True):
        start: date = row["month_start"]
        end = _month_end(start)
        text = (
            f"Monthly report card, well {row['well_id']} ({row['field_id']}), {start.strftime('%B %Y')} "
            f"({start.isoformat()[:7]}): oil {fmt(row['oil_sm3'])} Sm3, gas {fmt(row['gas_sm3'])} Sm3, "
            f"water {fmt(row['water_sm3'])} Sm3, on-stream {fmt(row['production_on_stream_hrs'])} h, "
            f"{row['producing_days']} producing days."
        )
        summary = (
            f"Monthly report card for well {row['well_id']}, {start.strftime('%B %Y')}: monthly oil, gas and water"
        )
        yield Chunk(
            chunk_id(WELL_MONTH_TABLE, well_id=row["well_id"], month=start.isoformat()[:7]),
            WELL_MONTH_TABLE,
            "well_month",
            text,
            row["well_id"],
            row["field_id"],
            start,
            end,
            summary,
        )


def field_month_cards(months: pl.DataFrame) -> Iterator[Chunk]:
    """One card per field and month: monthly volumes and the change against the previous month."""
    previous: dict[str, float] = {}
    for row in months.iter_rows(named=True):
        start: date = row["month_start"]
        before = previous.get(row["field_id"])
        change = None if before is None else row["oil_sm3"] - before
        previous[row["field_id"]] = row["oil_sm3"]
        text = (
            f"Monthly report card, field {row['field_id']}, {start.strftime('%B %Y')} ({start.isoformat()[:7]}): "
            f"oil {fmt(row['oil_sm3'])} Sm3, change vs previous month {fmt(change)} Sm3; "
            f"gas {fmt(row['gas_sm3'])} Sm3; "
            f"water {fmt(row['water_sm3'])} Sm3; water injected {fmt(row['water_injected_sm3'])} Sm3; "
            f"{row['n_wells_producing']} wells producing."
        )
        summary = (
            f"Monthly report card for field {row['field_id']}, {start.strftime('%B %Y')}: oil {trend(change, before)}"
        )
        yield Chunk(
            chunk_id(FIELD_MONTH_TABLE, field_id=row["field_id"], month=start.isoformat()[:7]),
            FIELD_MONTH_TABLE,
            "field_month",
            text,
            None,
            row["field_id"],
            start,
            _month_end(start),
            summary,
        )


def facility_day_cards(days: pl.DataFrame) -> Iterator[Chunk]:
    """One card per facility and day, from gold's facility days: the evidence a facility day answer cites."""
    for row in days.iter_rows(named=True):
        day: date = row["production_date"]
        text = (
            f"Daily report card, facility {row['facility_id']}, {day.isoformat()}: oil {fmt(row['oil_sm3'])} Sm3; "
            f"gas {fmt(row['gas_sm3'])} Sm3; water {fmt(row['water_sm3'])} Sm3; "
            f"water injected {fmt(row['water_injected_sm3'])} Sm3; water cut {pct(row['water_cut'])}; "
            f"on-stream {fmt(row['on_stream_hrs'])} h, uptime {pct(row['uptime'])}; "
            f"{row['n_wells_producing']} of {row['n_wells_reporting']} wells producing."
        )
        yield Chunk(
            id=chunk_id(FACILITY_DAY_TABLE, facility_id=row["facility_id"], production_date=day.isoformat()),
            source=FACILITY_DAY_TABLE,
            kind="facility_day",
            text=text,
            day_from=day,
            day_to=day,
            # One summary for every day, as for the month cards: a few thousand cards share one vector.
            embed_text=f"Daily report card for facility {row['facility_id']}: daily oil, gas and water",
        )


def facility_month_cards(months: pl.DataFrame) -> Iterator[Chunk]:
    """One card per facility and month, summed from gold's facility days: the evidence a facility answer
    cites (a facility is not a field, so the field cards do not cover it)."""
    for row in months.iter_rows(named=True):
        start: date = row["month_start"]
        text = (
            f"Monthly report card, facility {row['facility_id']}, {start.strftime('%B %Y')} "
            f"({start.isoformat()[:7]}): oil {fmt(row['oil_sm3'])} Sm3; gas {fmt(row['gas_sm3'])} Sm3; "
            f"water {fmt(row['water_sm3'])} Sm3; water injected {fmt(row['water_injected_sm3'])} Sm3; "
            f"on-stream {fmt(row['on_stream_hrs'])} h; up to {row['n_wells_producing']} wells producing."
        )
        yield Chunk(
            chunk_id(FACILITY_DAY_TABLE, facility_id=row["facility_id"], month=start.isoformat()[:7]),
            FACILITY_DAY_TABLE,
            "facility_month",
            text,
            None,
            None,
            start,
            _month_end(start),
            # One summary for every month: dates and the facility are matched by the filter and BM25.
            f"Monthly report card for facility {row['facility_id']}: monthly oil, gas and water",
        )


def _month_end(start: date) -> date:
    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def event_chunks(events: Iterable[Event], field_of: dict[str, str]) -> Iterator[Chunk]:
    """One chunk per event; the comment is quoted as data (the composer never acts on it)."""
    for e in events:
        text = (
            f"Operator event {e.event_id} on well {e.well_id}, {e.start.isoformat()} to {e.end.isoformat()}: "
            f'category {e.category}; cause {e.cause or "not given"}. Comment: "{e.comment}"'
        )
        summary = f"Operator event on well {e.well_id}: {e.category}, cause {e.cause}"
        yield Chunk(
            chunk_id(e.source_file, event_id=e.event_id),
            e.source_file,
            "event",
            text,
            e.well_id,
            field_of.get(e.well_id),
            e.start,
            e.end,
            summary,
        )


def forecast_chunks(forecasts: pl.DataFrame) -> Iterator[Chunk]:
    """One forecast note per well and product: model, origin and the P10/P50/P90 of the first 30 days."""
    if forecasts.height == 0:
        return
    for (well_id, product), frame in forecasts.sort("date").group_by(["well_id", "product"], maintain_order=True):
        head = frame.head(30)
        model = head["model"][0]
        status = head["status"][0]
        text = (
            f"Forecast note, well {well_id}, {product}: model {model} ({status}), from {head['date'][0].isoformat()} "
            f"to {head['date'][-1].isoformat()}: mean P50 rate {fmt(head['p50'].mean())} Sm3/d on producing days "
            f"(P10 {fmt(head['p10'].mean())}, P90 {fmt(head['p90'].mean())})."
        )
        yield Chunk(
            chunk_id(FORECAST_TABLE, well_id=well_id, product=product),
            FORECAST_TABLE,
            "forecast",
            text,
            well_id,
            None,
            head["date"][0],
            head["date"][-1],
        )


def runbook_chunks(folder: Path = RUNBOOKS) -> Iterator[Chunk]:
    """One chunk per ``##`` section of each Markdown runbook under ``folder``."""
    if not folder.is_dir():
        return
    root = folder.parents[1]
    for path in sorted(folder.glob("*.md")):
        title = ""
        section, lines = "", []
        relative = path.relative_to(root).as_posix()
        for line in [*path.read_text(encoding="utf-8").splitlines(), "## "]:
            if line.startswith("# "):
                title = line[2:].strip()
            elif line.startswith("## "):
                if section and any(s.strip() for s in lines):
                    body = " ".join(s.strip() for s in lines if s.strip())
                    slug = re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-")
                    yield Chunk(f"{relative}#{slug}", relative, "runbook", f"Runbook {title}, {section}: {body}")
                section, lines = line[3:].strip(), []
            else:
                lines.append(line)


def gold_chunks(warehouse: Warehouse) -> Iterator[Chunk]:
    """Report cards from gold: per field, well and facility and day, per well, field and facility and month."""
    field_days = warehouse.query(_FIELD_SQL)
    well_days = warehouse.query(_WELL_SQL)
    yield from field_day_cards(field_days, well_days)
    yield from well_day_cards(well_days)
    yield from facility_day_cards(warehouse.query(_FACILITY_DAY_SQL))
    yield from well_month_cards(warehouse.query(_MONTH_SQL))
    yield from field_month_cards(warehouse.query(_FIELD_MONTH_SQL))
    yield from facility_month_cards(warehouse.query(_FACILITY_MONTH_SQL))


def all_chunks(
    warehouse: Warehouse, events: Iterable[Event], forecasts: pl.DataFrame | None = None, runbooks: Path = RUNBOOKS
) -> list[Chunk]:
    """Every chunk of the environment, ids unique (a duplicate id is a bug in a source, so it fails)."""
    field_of = dict(warehouse.query("SELECT well_id, field_id FROM gold.dim_well").iter_rows())
    chunks = [*gold_chunks(warehouse), *event_chunks(events, field_of)]
    if forecasts is not None:
        chunks.extend(forecast_chunks(forecasts))
    chunks.extend(runbook_chunks(runbooks))
    seen: set[str] = set()
    for chunk in chunks:
        if chunk.id in seen:
            raise ValueError(f"duplicate chunk id {chunk.id}")
        seen.add(chunk.id)
    return chunks
