"""Analyses on gold for the question kinds beyond why/change, and their sentences in English and Spanish.

Each analysis reads gold through bound parameters, returns the facts it computed (table, keys, column,
value) and the sentences that state them, each with the chunk ids that support it. The sentences are
templates: every number in them is a fact, written with :func:`num` in the question's language. Each
analysis also returns the query it actually answered (built from what it computed), which the always-on
query check compares with the parsed one.

Metric definitions (the same in the evaluation generator's SQL):
* oil, gas, water, on-stream hours: sums over the well-days of the period;
* liquid = oil + water; water cut = water / (oil + water); GOR = gas / oil (Sm3/Sm3);
* uptime = on-stream hours / calendar hours of the well-days reported;
* injection = water injected (fct_well_daily_injection);
* deferred oil = downtime/24 × the well's 7-day average oil, by cause (the API's ``/deferment``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import polars as pl

from da_platform.gold.deferment import deferment_by_cause
from da_platform.rag.analysis import Fact, GoldFacts, events_for
from da_platform.rag.documents import (
    FACILITY_DAY_TABLE,
    FIELD_DAY_TABLE,
    FIELD_MONTH_TABLE,
    WELL_DAY_TABLE,
    WELL_MONTH_TABLE,
    chunk_id,
)
from da_platform.rag.events import Event
from da_platform.rag.query import Period, Query

INJECTION_TABLE = "gold.fct_well_daily_injection"
QUARANTINE_VIEW = "gold.stg_quarantine"
REGISTER_VIEW = "gold.stg_well_register"
RATIO_METRICS = ("water_cut", "gor", "uptime")

Line = tuple[str, list[str]]

NAMES = {
    "en": {
        "oil": "oil",
        "gas": "gas",
        "water": "water",
        "liquid": "liquid (oil + water)",
        "injection": "water injected",
        "water_cut": "water cut",
        "gor": "GOR",
        "uptime": "uptime",
        "on_stream_hours": "on-stream hours",
        "deferred_oil": "deferred oil",
    },
    "es": {
        "oil": "petróleo",
        "gas": "gas",
        "water": "agua",
        "liquid": "líquido (petróleo + agua)",
        "injection": "agua inyectada",
        "water_cut": "corte de agua",
        "gor": "RGP (relación gas-petróleo)",
        "uptime": "disponibilidad (uptime)",
        "on_stream_hours": "horas en producción",
        "deferred_oil": "petróleo diferido",
    },
}
KIND_NAMES = {
    "en": {
        "value": "value",
        "ranking": "ranking",
        "comparison": "comparison",
        "trend": "trend",
        "change": "why / change",
        "deferment": "deferment",
        "forecast": "forecast",
        "quality": "data quality",
        "events": "events",
    },
    "es": {
        "value": "valor",
        "ranking": "clasificación",
        "comparison": "comparación",
        "trend": "tendencia",
        "change": "por qué / cambio",
        "deferment": "diferimiento",
        "forecast": "pronóstico",
        "quality": "calidad de datos",
        "events": "eventos",
    },
}


def num(value: float, lang: str, digits: int = 1) -> str:
    """A number as answers write it: no thousands separator; a decimal comma in Spanish."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "es" else text


def show(metric: str, value: float | None, lang: str) -> str:
    """A metric's value with its unit (percentages for ratios of hours or volumes)."""
    if value is None:
        return "n/a" if lang == "en" else "sin dato"
    if metric in ("water_cut", "uptime"):
        return num(100 * value, lang) + "%"
    if metric == "gor":
        return num(value, lang) + " Sm3/Sm3"
    if metric == "on_stream_hours":
        return num(value, lang) + " h"
    return num(value, lang) + " Sm3"


def fact_value(metric: str, value: float) -> float:
    """The fact recorded for a metric value: ratios with 6 decimals, the rest with 4."""
    return round(value, 6 if metric in RATIO_METRICS else 4)


def when(period: Period, lang: str) -> str:
    """The period in words; a relative one states the latest day in gold it was taken from."""
    if lang == "es":
        if period.grain == "day":
            return f"el {period.label}"
        if period.grain in ("range",):
            return f"del {period.start.isoformat()} al {period.end.isoformat()}"
        if period.grain == "relative":
            return (
                f"del {period.start.isoformat()} al {period.end.isoformat()} (periodo relativo al último día en "
                f"gold, {period.relative_to.isoformat() if period.relative_to else period.end.isoformat()})"
            )
        return f"en {period.label}"
    if period.grain == "day":
        return f"on {period.label}"
    if period.grain == "range":
        return f"from {period.start.isoformat()} to {period.end.isoformat()}"
    if period.grain == "relative":
        return (
            f"from {period.start.isoformat()} to {period.end.isoformat()} (relative to the latest day in gold, "
            f"{period.relative_to.isoformat() if period.relative_to else period.end.isoformat()})"
        )
    return f"in {period.label}"


def scope_name(well: str | None, field_id: str | None, lang: str, facility: bool = False) -> str:
    """A well id, "the VOLVE field" / "el campo VOLVE", or "the X facility" / "la instalación X"."""
    if well:
        return well
    if facility:
        return f"the {field_id} facility" if lang == "en" else f"la instalación {field_id}"
    return f"the {field_id} field" if lang == "en" else f"el campo {field_id}"


class KindAnalyses:
    """The analyses of the kinds value, ranking, comparison, trend, deferment, quality and events."""

    def __init__(self, gold: GoldFacts, events: list[Event], facilities: tuple[str, ...] = ()) -> None:
        self.gold = gold
        self.events = events
        # An area is a field or a facility (e.g. MÆRSK INSPIRER): its id picks the column it filters on.
        self.facilities = facilities
        # What the last ranking and trend found (for evaluation; an instance serves one question).
        self.last_ranking: list[str] = []
        self.last_direction: str | None = None

    def _col(self, area: str | None) -> str:
        return "facility_id" if area in self.facilities else "field_id"

    def _facility(self, area: str | None) -> str | None:
        """The facility an analysis filtered on (None when its area was a field or it was one well)."""
        return area if area in self.facilities else None

    def _scope(self, well: str | None, area: str | None, lang: str) -> str:
        return scope_name(well, area, lang, area in self.facilities)

    # ------------------------------------------------------------------ metric values

    def _sums(
        self, metric: str, first: date, last: date, well: str | None, field_id: str | None, by: str = ""
    ) -> pl.DataFrame:
        """Sums of the period's well-days (grouped by ``by``: "", "well_id", "day" or "month")."""
        group = {
            "": "",
            "well_id": "well_id",
            "day": "production_date",
            "month": "date_trunc('month', production_date)",
        }[by]
        select_group = f"{group} AS bucket, " if group else ""
        tail = f" GROUP BY {group} ORDER BY {group}" if group else ""
        if metric == "injection":
            sql = (
                f"SELECT {select_group}{_exact_sum('water_injected_sm3')} AS injection, count(*) AS n "
                f"FROM {INJECTION_TABLE} WHERE production_date BETWEEN ? AND ? AND (? IS NULL OR well_id = ?) "
                f"AND (? IS NULL OR {self._col(field_id)} = ?)" + tail
            )
        else:
            sums = ", ".join(
                f"{_exact_sum(column)} AS {name}"
                for column, name in (
                    ("oil_sm3", "oil"),
                    ("gas_sm3", "gas"),
                    ("water_sm3", "water"),
                    ("on_stream_hrs", "hours"),
                    ("day_hours", "day_hours"),
                )
            )
            sql = (
                f"SELECT {select_group}{sums}, count(*) AS n "
                f"FROM {WELL_DAY_TABLE} WHERE production_date BETWEEN ? AND ? AND (? IS NULL OR well_id = ?) "
                f"AND (? IS NULL OR {self._col(field_id)} = ?) AND well_type = 'OP'" + tail
            )
        return self.gold._query(sql, [first, last, well, well, field_id, field_id])

    @staticmethod
    def metric_of(metric: str, row: dict[str, Any]) -> float | None:
        """The metric from a row of sums; None where it is undefined (no liquid, no oil, no hours)."""
        if not row.get("n"):
            return None
        if metric == "injection":
            return row["injection"] or 0.0
        oil, gas, water = row["oil"] or 0.0, row["gas"] or 0.0, row["water"] or 0.0
        if metric == "oil":
            return oil
        if metric == "gas":
            return gas
        if metric == "water":
            return water
        if metric == "liquid":
            return oil + water
        if metric == "water_cut":
            return water / (oil + water) if oil + water > 0 else None
        if metric == "gor":
            return gas / oil if oil > 0 else None
        if metric == "uptime":
            return (row["hours"] or 0.0) / row["day_hours"] if row["day_hours"] else None
        if metric == "on_stream_hours":
            return row["hours"] or 0.0
        raise ValueError(f"unknown metric {metric!r}")

    def value(
        self, metric: str, period: Period, well: str | None, field_id: str | None
    ) -> tuple[float | None, list[Fact]]:
        """The metric of a well or field over a period, and the fact that records it."""
        if metric == "deferred_oil":
            table = self.deferment_table(period, well, field_id)
            total = float(table["deferred_oil_sm3"].sum()) if table.height else 0.0
            keys = self._keys(period, well, field_id)
            return total, [Fact(WELL_DAY_TABLE, keys, "sum(deferred_oil_sm3)", round(total, 4))]
        frame = self._sums(metric, period.start, period.end, well, field_id)
        row = frame.row(0, named=True) if frame.height else {}
        value = self.metric_of(metric, row)
        if value is None:
            return None, []
        table = INJECTION_TABLE if metric == "injection" else WELL_DAY_TABLE
        return value, [Fact(table, self._keys(period, well, field_id), metric, fact_value(metric, value))]

    def _keys(self, period: Period, well: str | None, field_id: str | None) -> dict[str, Any]:
        scope = {"well_id": well} if well else {self._col(field_id): field_id}
        return {**scope, "from": period.start.isoformat(), "to": period.end.isoformat()}

    def cards(self, period: Period, well: str | None, field_id: str | None) -> list[str]:
        """The report card of the scope at the period's own grain (a day or a month), if there is one."""
        if not well and field_id in self.facilities:
            # A facility day cites its daily card; a month its monthly card (summed from gold's facility days),
            # a longer period the cards of its months.
            if period.grain == "day":
                return [chunk_id(FACILITY_DAY_TABLE, facility_id=field_id, production_date=period.start.isoformat())]
            return [chunk_id(FACILITY_DAY_TABLE, facility_id=field_id, month=m) for m in _months(period)]
        if period.grain == "day":
            day = period.start.isoformat()
            return [
                chunk_id(WELL_DAY_TABLE, well_id=well, production_date=day)
                if well
                else chunk_id(FIELD_DAY_TABLE, field_id=field_id, production_date=day)
            ]
        if period.grain == "month":
            month = period.label
            return [
                chunk_id(WELL_MONTH_TABLE, well_id=well, month=month)
                if well
                else chunk_id(FIELD_MONTH_TABLE, field_id=field_id, month=month)
            ]
        return []

    def _field(self, q: Query) -> str | None:
        if q.facility:
            return q.facility
        if q.field:
            return q.field
        return self.gold.fields[0] if len(self.gold.fields) == 1 else None

    # ------------------------------------------------------------------ kinds

    def value_answer(self, q: Query) -> tuple[list[Fact], list[Line], Query] | str:
        """value / total: one metric for one well or the field over the period."""
        period, lang = q.period, q.language
        assert period is not None
        well = q.wells[0] if q.wells else None
        field_id = None if well else self._field(q)
        value, facts = self.value(q.metric or "oil", period, well, field_id)
        if value is None:
            return self._no_data(q, well, field_id)
        name = NAMES[lang][q.metric or "oil"]
        scope = self._scope(well, field_id, lang)
        if lang == "es":
            sentence = f"{name.capitalize()} de {scope} {when(period, lang)}: {show(q.metric or 'oil', value, lang)}"
            sentence = sentence.replace(" de el ", " del ")
        else:
            sentence = (
                f"{scope[0].upper() + scope[1:]} {name} {when(period, lang)}: {show(q.metric or 'oil', value, lang)}"
            )
        lines = [(sentence, self.cards(period, well, field_id))]
        if q.metric == "deferred_oil":
            lines.append(self._basis(lang))
            facts.append(Fact(WELL_DAY_TABLE, {"basis": "oil_sm3_ma7"}, "window_days", 7))
        answered = Query(
            q.text,
            "value",
            q.metric,
            (well,) if well else (),
            q.field,
            period,
            language=lang,
            facility=self._facility(field_id),
        )
        return facts, lines, answered

    def _no_data(self, q: Query, well: str | None, field_id: str | None) -> str:
        what = well or field_id or "the field"
        metric = q.metric or ""
        return f"no {metric.replace('_', ' ')} data for {what} {when(q.period, 'en')}"  # type: ignore[arg-type]

    def ranking_answer(self, q: Query) -> tuple[list[Fact], list[Line], Query] | str:
        """ranking: the top or bottom N wells by a metric over the period (wells without a value left out)."""
        period, lang, metric = q.period, q.language, q.metric or "oil"
        assert period is not None
        field_id = self._field(q)
        frame = self._sums(metric, period.start, period.end, None, field_id, by="well_id")
        values = [(r["bucket"], self.metric_of(metric, r)) for r in frame.iter_rows(named=True)]
        values = [(w, v) for w, v in values if v is not None]
        if not values:
            return self._no_data(q, None, field_id)
        reverse = q.order == "top"
        values.sort(key=lambda wv: (-wv[1] if reverse else wv[1], wv[0]))
        n = q.n or 1
        picked = values[:n]
        facts = [Fact("query", {"ranking": q.order}, "n", n)] if n > 1 else []
        table = INJECTION_TABLE if metric == "injection" else WELL_DAY_TABLE
        for well, value in values:
            facts.append(Fact(table, self._keys(period, well, None), metric, fact_value(metric, value)))
        facts.append(Fact("query", {"wells_ranked": len(values)}, "count", len(values)))
        name = NAMES[lang][metric]
        listed = "; ".join(f"{i}. {w} {show(metric, v, lang)}" for i, (w, v) in enumerate(picked, start=1))
        facts += [Fact("query", {"rank": i}, "position", i) for i in range(1, len(picked) + 1)]
        cards = [c for w, _ in picked for c in self.cards(period, w, None)]
        if lang == "es":
            head = (
                f"{'Mayor' if reverse else 'Menor'} {name} por pozo {when(period, lang)} "
                f"({len(values)} pozos con dato): {listed}"
            )
        else:
            head = (
                f"{'Highest' if reverse else 'Lowest'} {name} by well {when(period, lang)} "
                f"({len(values)} wells with data): {listed}"
            )
        answered = Query(
            q.text,
            "ranking",
            metric,
            (),
            q.field,
            period,
            language=lang,
            n=n,
            order=q.order,
            facility=self._facility(field_id),
        )
        self.last_ranking = [w for w, _ in picked]
        return facts, [(head, cards)], answered

    def comparison_answer(self, q: Query) -> tuple[list[Fact], list[Line], Query] | str:
        """comparison: two wells, a well and the field, or one scope in two periods; difference derived."""
        lang, metric = q.language, q.metric or "oil"
        assert q.period is not None
        field_id = self._field(q)
        if q.period2 is not None:
            well = q.wells[0] if q.wells else None
            sides = [(well, None if well else field_id, q.period), (well, None if well else field_id, q.period2)]
        elif len(q.wells) == 2:
            sides = [(q.wells[0], None, q.period), (q.wells[1], None, q.period)]
        else:
            sides = [(q.wells[0], None, q.period), (None, field_id, q.period)]
        facts: list[Fact] = []
        shown: list[tuple[str, float, list[str]]] = []
        for well, fid, period in sides:
            value, fs = self.value(metric, period, well, fid)
            if value is None:
                return self._no_data(replace(q, period=period), well, fid)
            facts += fs
            label = self._scope(well, fid, lang) + (f" ({period.label})" if q.period2 is not None else "")
            shown.append((label, value, self.cards(period, well, fid)))
        (la, a, ca), (lb, b, cb) = shown
        scale = 100 if metric in ("water_cut", "uptime") else 1
        # The difference is derived from the two values as written, and the fact records that arithmetic.
        wa, wb = round(a * scale, 1), round(b * scale, 1)
        diff = round(wa - wb, 1)
        facts.append(Fact("derived", {"expression": f"{wa:.1f} - {wb:.1f}"}, "difference", diff))
        name = NAMES[lang][metric]
        unit = show(metric, 0.0, lang).replace(num(0.0, lang), "").strip()
        if lang == "es":
            sep = "" if unit == "%" else " "
            text = (
                f"{name.capitalize()} {when(q.period, lang) if q.period2 is None else ''}".rstrip()
                + f": {la} {show(metric, a, lang)} frente a {lb} {show(metric, b, lang)}; diferencia "
                f"{'+' if diff >= 0 else '-'}{num(abs(diff), lang)}{sep}{unit if unit != '%' else ' puntos'}"
            )
        else:
            sep = " "
            text = (
                f"{name[0].upper() + name[1:]} {when(q.period, lang) if q.period2 is None else ''}".rstrip()
                + f": {la} {show(metric, a, lang)} against {lb} {show(metric, b, lang)}; difference "
                f"{'+' if diff >= 0 else '-'}{num(abs(diff), lang)}{sep}{unit if unit != '%' else 'points'}"
            )
        answered = Query(
            q.text,
            "comparison",
            metric,
            q.wells,
            q.field,
            q.period,
            q.period2,
            language=lang,
            facility=self._facility(field_id),
        )
        return facts, [(text, ca + cb)], answered

    def trend_answer(self, q: Query) -> tuple[list[Fact], list[Line], Query] | str:
        """trend: by day (periods up to 62 days) or by month; start, end, direction and the largest step."""
        period, lang, metric = q.period, q.language, q.metric or "oil"
        assert period is not None
        well = q.wells[0] if q.wells else None
        field_id = None if well else self._field(q)
        by = "day" if (period.end - period.start).days < 62 else "month"
        frame = self._sums(metric, period.start, period.end, well, field_id, by=by)
        points = [(r["bucket"], self.metric_of(metric, r)) for r in frame.iter_rows(named=True)]
        points = [(d if isinstance(d, date) else d.date(), v) for d, v in points if v is not None]
        if len(points) < 2:
            return f"a trend needs at least two {by}s with data for {well or field_id} {when(period, 'en')}"
        label = (lambda d: d.isoformat()) if by == "day" else (lambda d: d.isoformat()[:7])
        table = INJECTION_TABLE if metric == "injection" else WELL_DAY_TABLE
        scope_keys = {"well_id": well} if well else {self._col(field_id): field_id}
        facts = [Fact(table, {**scope_keys, by: label(d)}, metric, fact_value(metric, v)) for d, v in points]
        scale = 100 if metric in ("water_cut", "uptime") else 1
        first, last = points[0], points[-1]
        written = [round(v * scale, 1) for _, v in points]
        delta = round(written[-1] - written[0], 1)
        direction = "flat" if delta == 0 else ("up" if delta > 0 else "down")
        steps = [(round(written[i] - written[i - 1], 1), points[i][0]) for i in range(1, len(points))]
        step, step_day = max(steps, key=lambda s: (abs(s[0]), -s[1].toordinal()))
        facts.append(Fact("derived", {"expression": f"{written[-1]:.1f} - {written[0]:.1f}"}, "change", delta))
        facts.append(Fact("derived", {"expression": f"largest step between consecutive {by}s"}, "step", step))
        facts.append(Fact("query", {"trend": by}, "points", len(points)))
        name = NAMES[lang][metric]
        scope = self._scope(well, field_id, lang)
        unit_word = {"en": {"day": "days", "month": "months"}, "es": {"day": "días", "month": "meses"}}[lang][by]
        pts = "points" if metric in ("water_cut", "uptime") else ""
        if lang == "es":
            verb = {"up": "subió", "down": "bajó", "flat": "quedó igual"}[direction]
            text = (
                f"{name.capitalize()} de {scope} {when(period, lang)} ({len(points)} {unit_word} con dato): {verb}, de "
                f"{show(metric, first[1], lang)} ({label(first[0])}) a "
                f"{show(metric, last[1], lang)} ({label(last[0])}), "
                f"cambio {'+' if delta >= 0 else '-'}{num(abs(delta), lang)}{' puntos' if pts else ''}; el mayor "
                f"cambio entre {unit_word} consecutivos fue {'+' if step >= 0 else '-'}{num(abs(step), lang)}"
                f"{' puntos' if pts else ''} en {label(step_day)}"
            )
        else:
            verb = {"up": "rose", "down": "fell", "flat": "was unchanged"}[direction]
            text = (
                f"{scope[0].upper() + scope[1:]} {name} {when(period, lang)} ({len(points)} {unit_word} with data): "
                f"{verb}, from {show(metric, first[1], lang)} ({label(first[0])}) to {show(metric, last[1], lang)} "
                f"({label(last[0])}), change {'+' if delta >= 0 else '-'}{num(abs(delta), lang)}"
                f"{' points' if pts else ''}; "
                f"the largest step between consecutive {unit_word} was {'+' if step >= 0 else '-'}"
                f"{num(abs(step), lang)}{' points' if pts else ''} in {label(step_day)}"
            )
        self.last_direction = direction
        answered = Query(
            q.text,
            "trend",
            metric,
            (well,) if well else (),
            q.field,
            period,
            language=lang,
            facility=self._facility(field_id),
        )
        return facts, [(text, [])], answered

    def deferment_table(self, period: Period, well: str | None, field_id: str | None) -> pl.DataFrame:
        """The API's /deferment table for the period: the same well-days, the same function."""
        days = self.gold._query(
            f"SELECT well_id, production_date, downtime_hrs, oil_sm3_ma7 FROM {WELL_DAY_TABLE} "
            "WHERE production_date BETWEEN ? AND ? AND (? IS NULL OR well_id = ?) "
            f"AND (? IS NULL OR {self._col(field_id)} = ?)",
            [period.start, period.end, well, well, field_id, field_id],
        )
        return deferment_by_cause(days, self.events)

    def _basis(self, lang: str) -> Line:
        if lang == "es":
            return (
                "Base: fracción del día en parada × media móvil de 7 días del petróleo del pozo (como /deferment)",
                [],
            )
        return ("Basis: the downtime share of each day × the well's 7-day average oil (as /deferment)", [])

    def deferment_answer(self, q: Query) -> tuple[list[Fact], list[Line], Query] | str:
        """deferment: downtime hours and deferred oil by cause over the period, largest first."""
        period, lang = q.period, q.language
        assert period is not None
        well = q.wells[0] if q.wells else None
        field_id = None if well else self._field(q)
        table = self.deferment_table(period, well, field_id)
        keys = self._keys(period, well, field_id)
        hours = float(table["downtime_hrs"].sum()) if table.height else 0.0
        oil = float(table["deferred_oil_sm3"].sum()) if table.height else 0.0
        facts = [
            Fact(WELL_DAY_TABLE, keys, "sum(downtime_hrs)", round(hours, 4)),
            Fact(WELL_DAY_TABLE, keys, "sum(deferred_oil_sm3)", round(oil, 4)),
        ]
        scope = self._scope(well, field_id, lang)
        rows = table.head(3).to_dicts()
        for r in table.to_dicts():
            facts.append(
                Fact(WELL_DAY_TABLE, {**keys, "cause": r["cause"]}, "downtime_hrs", round(r["downtime_hrs"], 4))
            )
            facts.append(
                Fact(WELL_DAY_TABLE, {**keys, "cause": r["cause"]}, "deferred_oil_sm3", round(r["deferred_oil_sm3"], 4))
            )
        from da_platform.rag.compose import safe_text

        causes = "; ".join(
            f"\u201c{safe_text(r['cause'], 60)}\u201d {num(r['downtime_hrs'], lang)} h, "
            f"{num(r['deferred_oil_sm3'], lang)} Sm3"
            for r in rows
        )
        related = events_for(self.events, [well] if well else list(self.gold.wells), period.start, period.end)
        cited = [
            chunk_id(e.source_file, event_id=e.event_id) for e in related if e.cause in {r["cause"] for r in rows}
        ][:3]
        if lang == "es":
            text = (
                f"Diferimiento de {scope} {when(period, lang)}: {num(hours, lang)} h de parada y "
                f"{num(oil, lang)} Sm3 de petróleo diferido"
                + (f"; por causa: {causes}" if rows else "; no hubo horas de parada")
            )
        else:
            text = (
                f"Deferment of {scope} {when(period, lang)}: {num(hours, lang)} h of downtime and "
                f"{num(oil, lang)} Sm3 of deferred oil" + (f"; by cause: {causes}" if rows else "; no downtime hours")
            )
        facts.append(Fact(WELL_DAY_TABLE, {"basis": "oil_sm3_ma7"}, "window_days", 7))
        answered = Query(
            q.text,
            "deferment",
            "deferred_oil",
            (well,) if well else (),
            q.field,
            period,
            language=lang,
            facility=self._facility(field_id),
        )
        return facts, [(text, cited), self._basis(lang)], answered

    def quality_answer(self, q: Query) -> tuple[list[Fact], list[Line], Query] | str:
        """data quality: the quarantined records of a well (or the field) in the period, by rule, with reasons."""
        lang = q.language
        period = q.period
        if period is None and self.gold.first_day and self.gold.last_day:
            first = self.gold._query(f"SELECT min(production_date) FROM {QUARANTINE_VIEW}").row(0)[0]
            start = min(self.gold.first_day, first) if first else self.gold.first_day
            period = Period(
                start, self.gold.last_day, "range", f"{start.isoformat()} to {self.gold.last_day.isoformat()}"
            )
        assert period is not None
        well = q.wells[0] if q.wells else None
        codes = [c for w, c in self.gold.wells.items() if w == well] if well else []
        frame = self.gold._query(
            f"SELECT production_date, wellbore_code, rule_id, disposition, reason, source_file, source_row "
            f"FROM {QUARANTINE_VIEW} WHERE production_date BETWEEN ? AND ? AND (? IS NULL OR wellbore_code = ?) "
            "ORDER BY production_date, source_row",
            [period.start, period.end, codes[0] if codes else None, codes[0] if codes else None],
        )
        rows = frame.to_dicts()
        keys = {**({"well_id": well} if well else {}), "from": period.start.isoformat(), "to": period.end.isoformat()}
        facts = [Fact(QUARANTINE_VIEW, keys, "count(*)", len(rows))]
        from da_platform.rag.compose import safe_text

        scope = well or ("todos los pozos" if lang == "es" else "all wells")
        shown = []
        for r in rows[:5]:
            facts.append(Fact(QUARANTINE_VIEW, {"source_file": r["source_file"]}, "source_row", r["source_row"]))
            reason = safe_text(r["reason"], 80)
            if lang == "es":
                reason = re.sub(r"(\d)\.(\d)", r"\1,\2", reason)
            shown.append(
                f"{r['production_date'].isoformat()} {safe_text(r['rule_id'], 40)} ({safe_text(r['disposition'], 20)}, "
                f"{safe_text(r['source_file'], 60)} {'fila' if lang == 'es' else 'row'} {r['source_row']}: "
                f"\u201c{reason}\u201d)"
            )
        for value in {v for r in rows[:5] for v in _numbers_in(r["reason"])}:
            facts.append(Fact(QUARANTINE_VIEW, {"reason": "as written"}, "value", value))
        if lang == "es":
            text = f"Registros en cuarentena de {scope} {when(period, lang)}: {len(rows)}" + (
                f": {'; '.join(shown)}" if shown else ""
            )
        else:
            text = f"Quarantined records of {scope} {when(period, lang)}: {len(rows)}" + (
                f": {'; '.join(shown)}" if shown else ""
            )
        answered = Query(q.text, "quality", None, (well,) if well else (), q.field, q.period, language=lang)
        return facts, [(text, [])], answered

    def events_answer(self, q: Query) -> tuple[list[Fact], list[Line], Query] | str:
        """events: the operator events on a well overlapping the period."""
        period, lang = q.period, q.language
        assert period is not None
        well = q.wells[0]
        found = events_for(self.events, [well], period.start, period.end)
        keys = {"well_id": well, "from": period.start.isoformat(), "to": period.end.isoformat()}
        facts = [Fact("landing/events", keys, "count(events)", len(found))]
        from da_platform.rag.compose import safe_text

        lines: list[Line] = []
        if lang == "es":
            lines.append((f"Eventos de operación en {well} {when(period, lang)}: {len(found)}", []))
        else:
            lines.append((f"Operator events on {well} {when(period, lang)}: {len(found)}", []))
        for e in found[:5]:
            lines.append(
                (
                    f"{e.event_id}: {safe_text(e.category, 30)}, {e.start.isoformat()} "
                    f"{'a' if lang == 'es' else 'to'} {e.end.isoformat()}, "
                    f"{'causa' if lang == 'es' else 'cause'} \u201c{safe_text(e.cause, 80)}\u201d",
                    [chunk_id(e.source_file, event_id=e.event_id)],
                )
            )
        answered = Query(q.text, "events", None, (well,), q.field, period, language=lang)
        return facts, lines, answered


FORECASTS = "forecast/well_daily_forecasts"


def forecast_expected(
    q: Query, table: pl.DataFrame, wells_of_field: list[str], field_id: str | None, latest: date | None = None
) -> tuple[list[Fact], list[Line], Query] | str:
    """What the stored forecast expects over the next ``q.horizon_days`` days, with its P10–P90 band.

    The same rows and the same sums as the API's ``/forecasts`` (one well's own bands; a field's bands are
    its wells' expected volumes added quantile by quantile).
    """
    from da_platform.api.forecasts import field_forecast, well_forecast

    lang, product, horizon = q.language, q.metric or "oil", q.horizon_days or 30
    well = q.wells[0] if q.wells else None
    answer = (
        well_forecast(table, well, product, horizon)
        if well
        else field_forecast(table, wells_of_field, product, horizon)
    )
    if answer is None or not answer.points or answer.origin is None:
        return f"no stored {product} forecast for {well or field_id}"
    points = answer.points
    first, last = points[0]["date"], points[-1]["date"]
    total = sum(p["volume_p50"] or 0.0 for p in points)
    p10 = sum(p["p10"] or 0.0 for p in points) / len(points)
    p50 = sum(p["p50"] or 0.0 for p in points) / len(points)
    p90 = sum(p["p90"] or 0.0 for p in points) / len(points)
    keys = {
        **({"well_id": well} if well else {"field_id": field_id}),
        "product": product,
        "origin": answer.origin.isoformat(),
        "from": first.isoformat(),
        "to": last.isoformat(),
    }
    facts = [
        Fact(FORECASTS, keys, "sum(volume_p50)", round(total, 4)),
        Fact(FORECASTS, keys, "mean(p10)", round(p10, 4)),
        Fact(FORECASTS, keys, "mean(p50)", round(p50, 4)),
        Fact(FORECASTS, keys, "mean(p90)", round(p90, 4)),
        Fact("query", {"forecast": "horizon"}, "days", len(points)),
    ]
    name = NAMES[lang][product]
    scope = scope_name(well, field_id, lang)
    # A forecast made before gold's last day (a well that stopped reporting) must not read as a current one.
    current = latest is None or answer.origin == latest
    origin = answer.origin.isoformat()
    origin_en = (
        f"the latest day in gold, {origin}" if current else f"its origin {origin}, before the latest day in gold"
    )
    origin_es = f"el último día en gold, {origin}" if current else f"su origen {origin}, anterior al último día en gold"
    band = "rate on producing days" if well else "field volume per day"
    if lang == "es":
        band = "caudal en días de producción" if well else "volumen diario del campo"
        text = (
            f"Pronóstico de {name} de {scope} para los próximos {len(points)} días ({first.isoformat()} a "
            f"{last.isoformat()}, desde {origin_es}): {num(total, lang)} Sm3 "
            f"en total (P50); {band} medio P10 {num(p10, lang)}, P50 {num(p50, lang)}, P90 {num(p90, lang)} Sm3/d"
        ).replace(" de el ", " del ")
    else:
        text = (
            f"Expected {name} of {scope} over the next {len(points)} days ({first.isoformat()} to {last.isoformat()}, "
            f"from {origin_en}): {num(total, lang)} Sm3 in total (P50); "
            f"mean {band} P10 {num(p10, lang)}, P50 {num(p50, lang)}, P90 {num(p90, lang)} Sm3/d"
        )
    answered = Query(q.text, "forecast", product, (well,) if well else (), q.field, q.period, language=lang)
    return facts, [(text, [])], answered


def _numbers_in(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?", text or "")]


def _months(period: Period) -> list[str]:
    """The months (``YYYY-MM``) a period overlaps, in order."""
    months, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def trailing_days(latest: date, n: int) -> tuple[date, date]:
    """The ``n`` days ending on ``latest``."""
    return latest - timedelta(days=n - 1), latest


def _exact_sum(column: str) -> str:
    """SQL for the sum of ``column`` in DECIMAL(38, 9), as gold's own sums: a float sum depends on the order
    the rows are added in (the warehouse's threads, a table's storage order), and a month whose volumes
    add up to exactly x.x5 would then be written with one last digit on one build and another on the next."""
    return f"CAST(sum(CAST({column} AS DECIMAL(38, 9))) AS DOUBLE)"
