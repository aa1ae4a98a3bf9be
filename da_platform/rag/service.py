"""The explain engine: question → entities → facts from gold → evidence → composed, checked answer.

``open_explainer(settings)`` opens the environment's index and warehouse read-only (nothing runs at
import). ``Explainer.explain`` never returns an unchecked answer: a draft that fails a check becomes a
refusal that says which check failed.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any

from da_platform.env import Settings, SettingsError
from da_platform.lakehouse.delta_lake import open_lake
from da_platform.lakehouse.warehouse import Warehouse, open_warehouse
from da_platform.rag.analysis import ChangeAnalysis, Fact, GoldFacts, events_for, period_bounds
from da_platform.rag.checks import CheckFailed, Citation, check_citations, check_names, check_numbers, check_query
from da_platform.rag.compose import Composer, DeterministicComposer, Evidence, LLMComposer, change_facts
from da_platform.rag.documents import (
    FIELD_DAY_TABLE,
    FIELD_MONTH_TABLE,
    WELL_DAY_TABLE,
    WELL_MONTH_TABLE,
    chunk_id,
)
from da_platform.rag.embedder import Embedder, MiniLMEmbedder
from da_platform.rag.entities import ParsedQuestion
from da_platform.rag.events import Event, events_from_raw
from da_platform.rag.forecast_change import StoredForecasts
from da_platform.rag.kinds import KindAnalyses
from da_platform.rag.query import Period, Problem, Query, detect_language, parse_query, spanish_reason
from da_platform.rag.retrieval import HybridRetriever
from da_platform.rag.store import Filter, VectorStore, collection_name, open_store

RETRIEVE_K = 5


@dataclass(frozen=True)
class Explanation:
    """An answer (or a refusal) with its citations and the facts it used."""

    answer: str
    refused: bool
    reason: str | None
    citations: tuple[Citation, ...] = ()
    facts: tuple[Fact, ...] = ()
    # For evaluation and debugging, not part of the JSON contract.
    retrieved: tuple[str, ...] = field(default=(), compare=False)
    driver: str | None = field(default=None, compare=False)
    mechanism: str | None = field(default=None, compare=False)
    direction: str | None = field(default=None, compare=False)
    query: Query | None = None  # the structured query answered (None for a refusal before parsing)
    ranking: tuple[str, ...] = field(default=(), compare=False)
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: answer, refused, reason, citations (id, source, quote), facts, and the
        structured query answered (kind, metric, wells, field, period, language), null when refused early.

        Quotes are document text: they are HTML-escaped here, after the checks ran on the verbatim span.
        """
        return {
            "answer": self.answer,
            "refused": self.refused,
            "reason": self.reason,
            "citations": [
                {"id": c.id, "source": c.source, "quote": html.escape(c.quote, quote=True)} for c in self.citations
            ],
            "facts": [f.to_dict() for f in self.facts],
            "query": self.query.to_dict() if self.query else None,
        }


def refusal(
    reason: str, retrieved: tuple[str, ...] = (), query: Query | None = None, language: str = "en"
) -> Explanation:
    """A refusal: no answer text beyond the reason (in Spanish questions, introduced in Spanish)."""
    if language == "es":
        reason = spanish_reason(reason)
    return Explanation(answer="", refused=True, reason=reason, retrieved=retrieved, query=query, language=language)


class Explainer:
    """Answers production questions for one environment from its gold tables and its index."""

    def __init__(
        self,
        warehouse: Warehouse,
        store: VectorStore,
        embedder: Embedder,
        events: list[Event] | None = None,
        composer: Composer | None = None,
        forecasts: Callable[[], Any] | None = None,
        stored_forecasts: StoredForecasts | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.store = store
        self.embedder = embedder
        self._events = events
        self.composer = composer or DeterministicComposer()
        # The stored forecast table (the API's ForecastReader.table); None where none is configured.
        self._forecasts = forecasts
        # The stored forecast's Delta versions: a forecast change compares the latest run with an earlier one.
        self._stored_forecasts = stored_forecasts

    def warm_up(self) -> None:
        """Load what answering loads on first use, once per process: the embedding model, the keyword index
        over the stored chunks, and the compiled forecast kernels a forecast-change question may need to
        recompute a forecast (about a second each, otherwise charged to the first question needing them)."""
        from da_platform.forecast.warm import warm_kernels

        self.embedder.embed(["warm up"])
        if self.store.count():
            _ = self.retriever
        warm_kernels()

    @cached_property
    def gold(self) -> GoldFacts:
        """Gold metadata (wells, fields, date span), read once."""
        return GoldFacts(self.warehouse)

    @cached_property
    def facilities(self) -> tuple[str, ...]:
        """Facility ids in gold (a question may name one instead of a field), read once."""
        frame = self.warehouse.query(
            f"SELECT DISTINCT facility_id FROM {WELL_DAY_TABLE} WHERE facility_id IS NOT NULL ORDER BY 1"
        )
        return tuple(frame["facility_id"].to_list())

    @cached_property
    def retriever(self) -> HybridRetriever:
        """The hybrid retriever over the index, built once (loads the keyword index)."""
        return HybridRetriever(self.store, self.embedder)

    @property
    def events(self) -> list[Event]:
        """Operator events known to the engine."""
        return self._events or []

    def stored_forecast_table(self) -> Any | None:
        """The stored forecast table the answers read (what /forecasts serves); None when there is none."""
        try:
            return self._forecasts() if self._forecasts else None
        except Exception:  # a missing or unreadable forecast table is "none yet", which callers need
            return None

    def index_status(self) -> dict[str, Any]:
        """{"ready", "chunks", "collection"}; a missing index is ``ready: False``, never an error."""
        try:
            count = self.store.count()
        except Exception:  # a missing or unreadable file is "not ready", which is what callers need
            count = 0
        return {"ready": count > 0, "chunks": count, "collection": self.store.collection}

    # ------------------------------------------------------------------ the pipeline

    def explain(self, question: str) -> Explanation:
        """Answer ``question`` or refuse with a reason; every returned answer passed the checks."""
        question = (question or "").strip()
        if not question:
            return refusal("empty question")
        language = detect_language(question[:1000])
        if len(question) > 1000:
            return refusal("question too long (over 1000 characters)", language=language)
        try:
            has_gold = self.warehouse.change_marker() is not None
        except Exception as exc:  # an unconfigured or unreachable warehouse server is a refusal, not a crash
            detail = str(exc) if isinstance(exc, SettingsError) else type(exc).__name__
            return refusal(f"the gold warehouse cannot be read: {detail}", language=language)
        if not has_gold:
            return refusal("no gold data in this environment yet: run `datalive run` first", language=language)
        if not self.index_status()["ready"]:
            return refusal(
                "the explanation index is not built in this environment: run `datalive index`", language=language
            )
        gold = self.gold
        parsed = parse_query(question, gold.wells, gold.fields, gold.last_day, self.facilities)
        if isinstance(parsed, Problem):
            return refusal(parsed.reason, language=parsed.language)
        problem = self._coverage_problem(parsed)
        if problem:
            return refusal(problem, query=parsed, language=parsed.language)
        with gold.session():
            if parsed.kind == "forecast" and parsed.aspect == "expected":
                return self._forecast_expected(parsed)
            if parsed.kind == "forecast":
                result = self._forecast(self._legacy(parsed, "forecast_change"), parsed.language)
                answered = (
                    Query(
                        parsed.text,
                        "forecast",
                        parsed.metric,
                        parsed.wells,
                        parsed.field,
                        parsed.period,
                        language=parsed.language,
                    )
                    if not result.refused
                    else None
                )
            elif parsed.kind == "change":
                result = self._change(self._legacy(parsed, "change"), parsed.language)
                answered = result.query
            else:
                return self._kind(parsed)
        return self._checked_query(parsed, result, answered)

    def _checked_query(self, parsed: Query, result: Explanation, answered: Query | None) -> Explanation:
        """The always-on query check: an answer to another kind, metric, well or period is withheld."""
        if result.refused:
            return replace(result, query=parsed)
        try:
            check_query(parsed, answered)
        except CheckFailed as exc:
            return refusal(
                f"the composed answer failed a check and was withheld: {exc}", result.retrieved, parsed, parsed.language
            )
        return replace(result, query=parsed, language=parsed.language)

    @staticmethod
    def _legacy(q: Query, kind: str) -> ParsedQuestion:
        """The day/month form the why/change and forecast analyses take."""
        p = q.period
        day = p.start if p and p.grain == "day" else None
        month = (p.start.year, p.start.month) if p and p.grain == "month" else None
        return ParsedQuestion(q.text, kind, q.wells, (), q.field, q.metric or "oil", day, month, None, q.direction)

    def _coverage_problem(self, q: Query) -> str | None:
        """A period with no production data is refused with the span the data covers."""
        gold = self.gold
        span = f"data covers {gold.first_day} to {gold.last_day}"
        p = q.period
        for period in (p, q.period2):
            if period is None:
                continue
            if gold.first_day is None or period.end < gold.first_day or period.start > gold.last_day:
                return f"no production data for {period.label}: {span}"
            if period.grain == "day" and period.start not in gold.production_days():
                return f"no production data for {period.label}: {span}"
            if not any(period.start <= d <= period.end for d in gold.production_days()):
                return f"no production data for {period.label}: {span}"
        return None

    def _forecast_expected(self, q: Query) -> Explanation:
        """What the stored forecast (the one /forecasts serves) expects; refused when there is none yet."""
        from da_platform.rag.kinds import forecast_expected

        try:
            table = self._forecasts() if self._forecasts else None
        except Exception as exc:  # a missing or unreadable forecast table is "none yet", which callers need
            table = None
            detail = type(exc).__name__
        else:
            detail = "no forecast table"
        if table is None:
            return refusal(
                f"no stored forecasts in this environment yet ({detail}): materialize forecast_job",
                query=q,
                language=q.language,
            )
        field_id = q.field or (self.gold.fields[0] if len(self.gold.fields) == 1 else None)
        wells = [w for w, f in self.gold.field_of.items() if f == field_id]
        out = forecast_expected(q, table, wells, field_id, self.gold.last_day)
        # The forecast's own days lie after gold's last day: its first and last day may be named.
        horizon = (
            [] if isinstance(out, str) else [date.fromisoformat(f.keys[k]) for f in out[0][:1] for k in ("from", "to")]
        )
        return self._answer(q, out, None, horizon)

    def _kind(self, q: Query) -> Explanation:
        """The kinds with their own analysis (value, ranking, comparison, trend, deferment, quality, events)."""
        analyses = KindAnalyses(self.gold, self.events, self.facilities)
        handler = {
            "value": analyses.value_answer,
            "ranking": analyses.ranking_answer,
            "comparison": analyses.comparison_answer,
            "trend": analyses.trend_answer,
            "deferment": analyses.deferment_answer,
            "quality": analyses.quality_answer,
            "events": analyses.events_answer,
        }[q.kind]
        return self._answer(q, handler(q), analyses)

    def _answer(self, q: Query, out, analyses: KindAnalyses | None, extra_dates: list[date] = ()) -> Explanation:
        """Compose the lines of an analysis, run every check (the query check too), or refuse."""
        if isinstance(out, str):
            return refusal(out, query=q, language=q.language)
        facts, lines, answered = out
        if q.language == "es":
            lines = [(sentence.replace(" de el ", " del "), ids) for sentence, ids in lines]
        gold = self.gold
        periods = [p for p in (q.period, q.period2) if p is not None]
        if gold.first_day and gold.last_day and any(p.start < gold.first_day or p.end > gold.last_day for p in periods):
            # A period reaching past the data is answered over the days there are, and says so.
            span = (gold.first_day.isoformat(), gold.last_day.isoformat())
            lines = [
                *lines,
                (f"Los datos en gold cubren del {span[0]} al {span[1]}", [])
                if q.language == "es"
                else (f"Data in gold covers {span[0]} to {span[1]}", []),
            ]
        wanted = [cid for _, ids in lines for cid in ids]
        chunks = self.store.get(wanted)
        lines = [(sentence, [i for i in ids if i in chunks]) for sentence, ids in lines]
        evidence = Evidence(q.text, None, facts, chunks, lines=lines, language=q.language)
        allowed = [d for p in (q.period, q.period2) if p for d in (p.start, p.end)] + list(extra_dates)
        result = self._finish(evidence, tuple(chunks), None, allowed)
        result = replace(
            result,
            ranking=tuple(getattr(analyses, "last_ranking", ())),
            direction=getattr(analyses, "last_direction", None),
        )
        return self._checked_query(q, result, answered)

    def _retrieve(
        self, q: ParsedQuestion, wells: tuple[str, ...], first: date, last: date, terms: tuple[str, ...] = ()
    ):
        """Hybrid search filtered to the question's wells and period, at the question's grain.

        The resolved entities (ISO day or month, well ids) are added to the words of the question, so
        "May 2015" also matches the ``2015-05`` of a card and "F-12" matches ``15/9-F-12``.
        """
        if q.month and not q.day:
            kinds = ("field_month", "well_month", "event", "runbook")
            period = (f"{q.month[0]:04d}-{q.month[1]:02d}", "monthly")
        elif q.day:
            kinds = ("field_day", "well_day", "event", "runbook")
            period = (q.day.isoformat(),)
        else:
            kinds, period = (), ()
        # A question about no particular well is about the field: its card says "field <id>"; the wells
        # passed in are then the drivers found in gold, whose cards support the answer.
        field_id = q.field or (self.gold.fields[0] if len(self.gold.fields) == 1 else "")
        scope = q.wells or ("field", field_id, *wells)
        query = " ".join([q.text, *period, *scope, *terms])
        where = Filter(wells=wells, field=q.field, day_from=first, day_to=last, kinds=kinds)
        return self.retriever.search(query, where, RETRIEVE_K)

    def _change(self, q: ParsedQuestion, language: str = "en") -> Explanation:
        gold = self.gold
        well = q.wells[0] if q.wells else None
        # A question without a field is about the only field there is (Volve); with several, about all wells.
        field_id = q.field or (gold.fields[0] if len(gold.fields) == 1 and not well else None)
        if q.day:
            analysis = gold.day_change(q.day, q.product, field_id, well)
        else:
            analysis = gold.month_change(q.month[0], q.month[1], q.product, field_id, well)  # type: ignore[index]
        if analysis is None:
            what = well or q.field or "the field"
            return refusal(
                f"no {q.product} production of {what} for {q.day or q.month} and the period before it",
                language=language,
            )
        first, last = period_bounds(analysis)
        movers = [w.well_id for w in (analysis.drivers[:3] if analysis.scope_kind == "field" else analysis.wells)]
        analysis.events = events_for(self.events, movers, first, last)
        previous_first = date.fromisoformat(analysis.previous) if len(analysis.previous) == 10 else first
        # Facts first, then evidence: a field question retrieves around the wells that drove the change.
        focus = tuple(q.wells) or tuple(w.well_id for w in analysis.drivers[:2])
        hits = self._retrieve(q, focus, previous_first, last)
        evidence = self._evidence(q, analysis, hits)
        evidence.language = language
        result = self._finish(evidence, tuple(h.chunk.id for h in hits), analysis)
        period = Period(first, last, "day" if len(analysis.period) == 10 else "month", analysis.period)
        answered = Query(
            q.text,
            "change",
            analysis.product,
            (analysis.scope,) if analysis.scope_kind == "well" else (),
            q.field,
            period,
            language=language,
        )
        return replace(result, query=answered)

    def _evidence(self, q: ParsedQuestion, a: ChangeAnalysis, hits) -> Evidence:
        facts = list(a.facts) + change_facts(a)
        keys_period = {"production_date": a.period} if len(a.period) == 10 else {"month": a.period}
        scope_keys = {"well_id": a.scope} if a.scope_kind == "well" else {"field_id": a.scope}
        col = f"{a.product}_sm3"
        table = WELL_DAY_TABLE if len(a.period) == 10 else WELL_MONTH_TABLE
        facts += [
            Fact(table, {**scope_keys, **keys_period}, f"sum({col})", round(a.total_after, 4)),
            Fact(table, {**scope_keys, "previous": a.previous}, f"sum({col})", round(a.total_before, 4)),
            Fact(table, {**scope_keys, **keys_period, "previous": a.previous}, f"change({col})", round(a.change, 4)),
        ]
        for w in a.wells:
            keys = {"well_id": w.well_id, **keys_period, "previous": a.previous}
            facts += [
                Fact(table, keys, f"change({col})", round(w.change, 4)),
                Fact(table, keys, f"uptime_effect({col})", round(w.uptime_effect, 4)),
                Fact(table, keys, f"rate_effect({col})", round(w.rate_effect, 4)),
                Fact(table, {"well_id": w.well_id, **keys_period}, "uptime", round(w.uptime_after, 6)),
                Fact(table, {"well_id": w.well_id, "previous": a.previous}, "uptime", round(w.uptime_before, 6)),
            ]
        # The report cards of the period and the events are looked up by key (their ids encode the row),
        # in addition to whatever the hybrid search returned for the question's words.
        if len(a.period) == 10:
            period_card = (
                chunk_id(WELL_DAY_TABLE, well_id=a.scope, production_date=a.period)
                if a.scope_kind == "well"
                else chunk_id(FIELD_DAY_TABLE, field_id=a.scope, production_date=a.period)
                if a.scope != "all wells"
                else None
            )
            driver_cards = {
                w.well_id: chunk_id(WELL_DAY_TABLE, well_id=w.well_id, production_date=a.period) for w in a.wells
            }
        else:
            period_card = (
                chunk_id(WELL_MONTH_TABLE, well_id=a.scope, month=a.period)
                if a.scope_kind == "well"
                else chunk_id(FIELD_MONTH_TABLE, field_id=a.scope, month=a.period)
            )
            driver_cards = {w.well_id: chunk_id(WELL_MONTH_TABLE, well_id=w.well_id, month=a.period) for w in a.wells}
        event_chunks = {e.event_id: chunk_id(e.source_file, event_id=e.event_id) for e in a.events}
        if a.events:
            first, last = period_bounds(a)
            keys = {"wells": sorted({e.well_id for e in a.events}), "from": first.isoformat(), "to": last.isoformat()}
            facts.append(Fact("landing/events", keys, "count(events)", len(a.events)))
        wanted = [i for i in [period_card, *driver_cards.values(), *event_chunks.values()] if i]
        chunks = {h.chunk.id: h.chunk for h in hits}
        chunks.update(self.store.get(wanted))
        return Evidence(
            question=q.text,
            analysis=a,
            facts=facts,
            chunks=chunks,
            period_card=period_card,
            driver_cards=driver_cards,
            event_chunks=event_chunks,
            asked_direction=q.direction,
        )

    def _forecast(self, q: ParsedQuestion, language: str = "en") -> Explanation:
        """Compare the latest stored forecast with the previous run's (or one recomputed a month earlier)."""
        from da_platform.rag.forecast_change import forecast_change

        if len(q.wells) != 1:
            return refusal("a forecast question needs exactly one known well, e.g. 15/9-F-12", language=language)
        well = q.wells[0]
        result = forecast_change(self.gold, well, q.product, language, self._stored_forecasts)
        if isinstance(result, str):
            return refusal(result, language=language)
        facts, lines, first, last = result
        hits = self._retrieve(q, (well,), first, last, (last.isoformat(), "forecast"))
        wanted = [cid for _, ids in lines for cid in ids]
        chunks = {h.chunk.id: h.chunk for h in hits}
        chunks.update(self.store.get(wanted))
        evidence = Evidence(q.text, None, facts, chunks, lines=lines, language=language)
        explanation = self._finish(evidence, tuple(h.chunk.id for h in hits), None)
        return explanation

    def _finish(
        self,
        evidence: Evidence,
        retrieved: tuple[str, ...],
        analysis: ChangeAnalysis | None,
        allowed_dates: list[date] | None = None,
    ) -> Explanation:
        """Compose, then run every check; a failed check turns the draft into a refusal."""
        try:
            draft = self.composer.compose(evidence)
        except Exception as exc:  # an unreachable LLM endpoint must not break the answer contract
            return refusal(f"the composer failed: {type(exc).__name__}: {exc}", retrieved, language=evidence.language)
        try:
            resolved = self.store.get([c.id for c in draft.citations])
            check_citations(draft.citations, resolved)
            cited = [resolved[c.id] for c in draft.citations]
            used = check_numbers(draft.text, evidence.facts, cited, evidence.language)
            check_names(draft.text, self.gold.wells, self.gold.production_days(), cited, allowed_dates or ())
        except CheckFailed as exc:
            return refusal(
                f"the composed answer failed a check and was withheld: {exc}", retrieved, language=evidence.language
            )
        if not draft.text:
            return refusal("nothing to say about this question from the data", retrieved, language=evidence.language)
        top = analysis.drivers[0] if analysis and analysis.drivers and analysis.scope_kind == "field" else None
        single = analysis.wells[0] if analysis and analysis.scope_kind == "well" and analysis.wells else None
        chosen = top or single
        return Explanation(
            answer=draft.text,
            refused=False,
            reason=None,
            citations=tuple(draft.citations),
            facts=tuple(used),
            retrieved=retrieved,
            driver=chosen.well_id if chosen else None,
            mechanism=chosen.mechanism if chosen else None,
            direction=analysis.direction if analysis else None,
        )


def open_explainer(settings: Settings, embedder: Embedder | None = None, use_llm: bool = True) -> Explainer:
    """The environment's explainer: its warehouse and index read-only, events from raw, composer from settings.

    Opening does no heavy work: the embedding model, the keyword index and gold metadata load on first use.
    """
    warehouse = open_warehouse(settings)
    store = open_store(settings, read_only=True)
    if not store.exists():
        store.close()
        store = _MissingStore(collection_name(settings))  # type: ignore[assignment]
    lake = open_lake(settings)
    events = events_from_raw(lake)
    composer: Composer | None = None
    if use_llm and settings.llm_base_url:
        composer = LLMComposer(settings.llm_base_url, settings.llm_model or "default", settings.llm_api_key)
    from da_platform.api.forecasts import ForecastReader

    return Explainer(
        warehouse,
        store,
        embedder or MiniLMEmbedder(),
        events,
        composer,
        ForecastReader(lake).table,
        StoredForecasts(lake),
    )


class _MissingStore:
    """Stands in for an index that was never built: empty, so the explainer refuses with a clear reason."""

    def __init__(self, collection: str) -> None:
        self.collection = collection

    def count(self) -> int:
        return 0

    def hashes(self) -> dict[str, str]:
        return {}

    def get(self, ids: list[str]) -> dict:
        return {}

    def all_chunks(self) -> list:
        return []

    def dense_search(self, vector, where, k):
        return []

    def upsert(self, chunks, vectors) -> None:
        raise RuntimeError("read-only")

    def delete(self, ids) -> None:
        raise RuntimeError("read-only")
