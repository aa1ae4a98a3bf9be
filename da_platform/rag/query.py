# ruff: noqa: E501  (the word lists of both languages read best one alternation per line)
"""Question → structured query: kind, metric, entities, period and language, or a refusal that says why.

The parse is deterministic and conservative. It never guesses: a question whose kind or metric is not
supported is refused with the supported list, an ambiguous well or a month without a year is refused with
the candidates, and a kind is never swapped for another. English and Spanish are recognised per question;
the words of both languages are listed side by side below so that every kind, metric and month works in both.

Periods: a day, a month, a quarter, a year, an explicit range, or a relative one ("last week", "the last 30
days", "los últimos 3 meses"), taken relative to the latest day in gold, which the answer states.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from da_platform.rag.entities import resolve_wells

KINDS = ("value", "ranking", "comparison", "trend", "change", "deferment", "forecast", "quality", "events")
METRICS = (
    "oil",
    "gas",
    "water",
    "liquid",
    "injection",
    "water_cut",
    "gor",
    "uptime",
    "on_stream_hours",
    "deferred_oil",
)
# Which metrics each kind answers; anything else is refused with this list (never answered as another).
SUPPORTED: dict[str, tuple[str, ...]] = {
    "value": METRICS,
    "ranking": METRICS[:-1],
    "comparison": METRICS,
    "trend": METRICS[:-1],
    "change": ("oil", "gas", "water"),
    "deferment": ("deferred_oil",),
    "forecast": ("oil", "gas", "water"),
    "quality": (),
    "events": (),
}
NEEDS_PERIOD = ("value", "ranking", "comparison", "trend", "change", "deferment", "events")

_EN_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_EN_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_ES_MONTHS = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}
MONTHS = {**_EN_MONTHS, **_ES_MONTHS}
ES_MONTH_NAMES = [
    "",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

_ISO_DAY = r"(\d{4})-(\d{2})-(\d{2})"
_ISO_DAY_RE = re.compile(rf"\b{_ISO_DAY}\b")
_RANGE_RE = re.compile(
    rf"\b(?:from|between|del|desde|entre(?:\s+el)?|de)\s+{_ISO_DAY}\s+(?:to|and|until|through|al|hasta|y|a)\s+"
    rf"(?:el\s+)?{_ISO_DAY}\b",
    re.IGNORECASE,
)
_ISO_MONTH_RE = re.compile(r"\b(\d{4})-(\d{2})\b(?!-\d)")
_DAY_NAMED_RE = re.compile(rf"\b(\d{{1,2}})\s+(?:de\s+)?({_MONTH_ALT})\.?,?\s+(?:de\s+|del\s+)?(\d{{4}})\b", re.I)
_NAMED_DAY_RE = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I)
_NAMED_MONTH_RE = re.compile(rf"\b({_MONTH_ALT})\.?\s+(?:de\s+|del\s+)?(\d{{4}})\b", re.I)
_BARE_MONTH_RE = re.compile(rf"\b(?:in|en|during|durante|of|de)\s+({_MONTH_ALT})\b(?!\s*(?:de\s+)?\d)", re.I)
_QUARTER_RE = re.compile(
    r"\b(?:(?:Q|T)([1-4])\s*(?:of\s+|de\s+|del\s+)?(\d{4})|(\d{4})\s*-?\s*(?:Q|T)([1-4]))\b", re.IGNORECASE
)
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "primer": 1,
    "primero": 1,
    "segundo": 2,
    "tercer": 3,
    "tercero": 3,
    "cuarto": 4,
}
_ORD_QUARTER_RE = re.compile(
    r"\b(first|second|third|fourth|primer|primero|segundo|tercer|tercero|cuarto)\s+(?:quarter|trimestre)\s+"
    r"(?:of\s+|de\s+|del\s+)?(\d{4})\b",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"(?<![\d/-])\b((?:19|20)\d{2})\b(?![-/]\d)")
_LAST_N_RE = re.compile(
    r"\b(?:(?:the\s+)?(?:last|past|previous)\s+(\d{1,3})\s+(days?|weeks?|months?)|"
    r"(?:los\s+|las\s+)?(?:[uú]ltim[oa]s|pasad[oa]s)\s+(\d{1,3})\s+(d[ií]as?|semanas?|meses|mes))\b",
    re.IGNORECASE,
)
_LAST_ONE_RE = re.compile(
    r"\b(?:(?:the\s+)?(?:last|past|previous)\s+(week|month|day)|"
    r"(?:la\s+|el\s+)?(?:[uú]ltim[oa]|pasad[oa])\s+(semana|mes|d[ií]a)|(?:la\s+)?(semana|mes)\s+pasad[oa]|"
    r"(latest day|[uú]ltimo d[ií]a))\b",
    re.IGNORECASE,
)
_NEXT_N_RE = re.compile(
    r"\b(?:next|coming|pr[oó]xim[oa]s)\s+(\d{1,3})\s+(days?|months?|d[ií]as|meses)\b", re.IGNORECASE
)
# The ranking size: "top 5", "los 3 mejores", or a number before "wells" ("which 50 wells", "qué 50 pozos").
_TOP_N_RE = re.compile(
    r"\b(?:(?:top|bottom|best|worst|los|las|mejores|peores)\s+(\d{1,3})|(\d{1,3})\s+(?:wells?|pozos?))\b", re.IGNORECASE
)
MAX_RANKING = 100  # a sanity bound, not the register's size: a longer ranking lists every well with data

# Spanish markers weigh against English ones; accents and ¿¡ are strong evidence on their own.
_ES_WORDS = {
    "que", "qué", "cual", "cuál", "cuales", "cuáles", "cuanto", "cuánto", "cuanta", "cuánta", "como", "cómo",
    "por", "de", "del", "la", "el", "los", "las", "en", "pozo", "pozos", "petróleo", "petroleo", "producción",
    "produccion", "agua", "año", "mes", "día", "entre", "compara", "comparar", "fue", "tuvo", "bajó", "subió",
    "cayó", "durante", "campo", "semana", "últimos", "ultimos", "mayor", "menor", "hubo", "horas", "se", "y",
}  # fmt: skip
_EN_WORDS = {
    "what", "which", "how", "why", "the", "of", "in", "on", "was", "were", "did", "well", "wells", "oil",
    "production", "water", "year", "month", "day", "between", "compare", "had", "highest", "lowest", "field",
    "week", "last", "much", "total", "during", "hours", "and", "is", "are", "from", "to",
}  # fmt: skip

# Metric words, most specific first: the span a metric matched is blanked before the next is looked for,
# so "water cut" is not also "water" and "gas-oil ratio" is neither gas nor oil.
_METRIC_WORDS: list[tuple[str, str]] = [
    (r"deferred oil|oil deferred|deferred|deferment|defer|petr[oó]leo diferido|diferid[oa]s?|diferimiento|se difiri[oó]|difiri[oó]", "deferred_oil"),
    (r"water[- ]?cut|corte de agua|\bwc\b", "water_cut"),
    (r"gas[- /]oil ratio|\bgor\b|relaci[oó]n gas[- /]petr[oó]leo|\brgp\b", "gor"),
    (r"on[- ]stream hours|hours on[- ]stream|on[- ]stream time|producing hours|horas en producci[oó]n|"
     r"horas de producci[oó]n|horas en l[ií]nea|horas produciendo", "on_stream_hours"),
    (r"uptime|disponibilidad|tiempo en producci[oó]n", "uptime"),
    (r"water injection|injected water|injection|injected|inject|agua inyectada|inyecci[oó]n|inyectad[oa]|"
     r"inyect[oó]", "injection"),
    (r"liquids?|l[ií]quidos?", "liquid"),
    (r"\boil\b|crude|petr[oó]leo|crudo|aceite", "oil"),
    (r"\bgas\b", "gas"),
    (r"\bwater\b|\bagua\b", "water"),
]  # fmt: skip
# Quantities the lakehouse does not hold: asked about, they are refused with the supported metrics.
_UNSUPPORTED_METRICS = (
    r"pressure|presi[oó]n|temperature|temperatura|choke|estrangulador|price|precio|cost|costo|coste|revenue|"
    r"ingresos|emissions?|emisiones|co2|porosity|porosidad|permeability|permeabilidad|reserves|reservas|"
    r"salinity|salinidad|api gravity|viscosity|viscosidad"
)
_UNSUPPORTED_KINDS = (
    r"\bplot\b|\bchart\b|\bgraph\b|gr[aá]fic[oa]|correlat|correlaci[oó]n|\bmap\b|\bmapa\b|\bdelete\b|\bdrop table\b|"
    r"\bborra|\binsert\b|\bupdate\b|simulat|simula|optimi[sz]|recommend|recomiend|\bsql\b|\bselect\b"
)
_KIND_WORDS: list[tuple[str, str]] = [
    ("quality", r"quarantin|rejected|reject|data quality|bad data|invalid rows|cuarentena|rechazad|calidad de (?:los )?datos|datos inv[aá]lidos"),
    ("forecast", r"forecast|expected|prognos|predict|outlook|pron[oó]stico|previsi[oó]n|se espera|esperad[oa]|predicci[oó]n|next \d+|pr[oó]xim[oa]s \d+"),
    ("deferment", r"deferred|deferment|defer\b|lost to downtime|downtime by cause|diferid|diferimiento|difiri[oó]|p[eé]rdidas? por parada|por causa"),
    ("comparison", r"\bcompare|\bcompared|\bversus\b|\bvs\.?\s|\bcompara|\bcomparar|\bcomparaci[oó]n|frente a|\bcontra\b"),
    ("ranking", r"\bwhich (?:\d+ )?wells?\b.*\b(?:highest|lowest|most|least|largest|smallest|best|worst)\b|\btop \d|\bbottom \d|\brank|"
                r"\bqu[eé] (?:\d+ )?pozos?\b.*\b(?:mayor|menor|m[aá]s alt[oa]|m[aá]s baj[oa]|m[aá]s|menos)\b|\bclasifica|\branking\b|"
                r"\bmejores \d|\bpeores \d|\blos \d+ pozos\b|\blas \d+\b"),
    ("trend", r"\btrend\b|\bevolve|\bevolution\b|\bhow did .* (?:move|develop|evolve)|\btendencia\b|\bevoluci[oó]n\b|\bevolucion[oó]\b"),
    ("events", r"\bevents?\b|\bworkovers?\b|\beventos?\b|\bintervenci[oó]n|\bintervenciones\b|\bwhat happened on well\b|\bqu[eé] pas[oó] en el pozo\b"),
    ("change", r"\bwhy\b|\bexplain|\bcause\b|\breason|\bwhat happened\b|\bdrop(?:ped)?\b|\bfell\b|\bfall\b|\bdeclin|\bdecreas|"
               r"\brose\b|\brise\b|\bincreas|\bjump|\bdrove\b|\bdrivers?\b|\bcontributed\b|\bchanged?\b|"
               r"\bpor qu[eé]\b|\bexplica|\bcausa\b|\braz[oó]n\b|\bqu[eé] pas[oó]\b|\bbaj[oó]\b|\bcay[oó]\b|\bdisminuy|"
               r"\bsubi[oó]\b|\baument[oó]\b|\bimpuls|\bcontribuy|\bcambi[oó]\b"),
    ("value", r"\bhow much\b|\bwhat (?:was|is|were)\b|\btotal\b|\bproduced?\b|\bvalue\b|\bcu[aá]nt[oa]s?\b|\bcu[aá]l (?:fue|es)\b|"
              r"\bprodujo\b|\bprodujeron\b|\binyect[oó]\b|\bvalor\b|\baverage\b|\bpromedio\b|\bmedia\b"),
]  # fmt: skip
_DOMAIN = re.compile(
    r"\b(?:oil|gas|water|production|produce[ds]?|producing|wells?|field|volve|uptime|downtime|forecast|rate|sm3|"
    r"volume|output|shut|workover|events?|injection|inject\w*|cut|gor|quarantin\w*|deferr?\w*|liquids?|petr[oó]leo|"
    r"producci[oó]n|produjo|pozos?|campo|agua|inyecci[oó]n|inyect\w*|diferid\w*|cuarentena|crudo|parada|eventos?|"
    r"pron[oó]stico|previsi[oó]n|l[ií]quidos?|disponibilidad|records?|rejected|registros?|rechazad\w*|difiri[oó]|pressure|presi[oó]n|temperature|temperatura|price|precio)\b",
    re.IGNORECASE,
)
_DOWN = re.compile(
    r"\b(?:drop|dropped|decline|declined|fall|fell|decrease|decreased|lower|lost|down|baj[oó]|cay[oó]|disminuy\w*|descend\w*)\b",
    re.I,
)
_UP = re.compile(
    r"\b(?:rise|rose|increase|increased|higher|up|jump|jumped|gain|gained|subi[oó]|aument\w*|creci\w*)\b", re.I
)
_FORECAST_CHANGE = re.compile(
    r"\b(?:why|lower|higher|changed?|moved?|differ\w*|por qu[eé]|menor|mayor|cambi\w*|baj[oó]|subi[oó])\b", re.I
)
_BOTTOM = re.compile(r"\b(?:lowest|least|smallest|worst|bottom|menor|menos|peor(?:es)?|m[aá]s baj[oa]s?)\b", re.I)


@dataclass(frozen=True)
class Period:
    """A closed range of days and how the question named it."""

    start: date
    end: date
    grain: str  # day | month | quarter | year | range | relative
    label: str  # "2015-03-14", "2015-03", "2015-Q1", "2015", "2015-03-01 to 2015-03-31"
    relative_to: date | None = None  # the latest day in gold, for a relative period

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "grain": self.grain,
            "label": self.label,
            "relative_to": self.relative_to.isoformat() if self.relative_to else None,
        }


@dataclass(frozen=True)
class Query:
    """What the question asks: the engine answers exactly this or refuses."""

    text: str
    kind: str
    metric: str | None
    wells: tuple[str, ...] = ()
    field: str | None = None
    period: Period | None = None
    period2: Period | None = None  # a comparison of two periods
    language: str = "en"
    n: int | None = None  # ranking size
    order: str = "top"  # ranking: top | bottom
    direction: str | None = None  # asked direction of a change: down | up | None
    horizon_days: int | None = None  # forecast: next N days
    aspect: str | None = None  # forecast: "expected" (what is expected) | "change" (why it moved)
    facility: str | None = None  # a facility named instead of a field (e.g. MÆRSK INSPIRER)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the structured query the answer answered."""
        return {
            "kind": self.kind,
            "metric": self.metric,
            "wells": list(self.wells),
            "field": self.field,
            "facility": self.facility,
            "period": self.period.to_dict() if self.period else None,
            "period2": self.period2.to_dict() if self.period2 else None,
            "language": self.language,
            "n": self.n,
            "order": self.order if self.kind == "ranking" else None,
            "horizon_days": self.horizon_days,
            "aspect": self.aspect,
        }


@dataclass(frozen=True)
class Problem:
    """A question that cannot be answered as asked: the reason, the candidates, and the language to say it in."""

    reason: str
    language: str = "en"
    candidates: tuple[str, ...] = field(default=())


def _fold(text: str) -> str:
    """Upper case without accents, Æ as AE and Ø as O: "Maersk Inspirer" names "MÆRSK INSPIRER"."""
    text = text.upper().replace("Æ", "AE").replace("Ø", "O").replace("Å", "A")
    return " ".join(_strip_accents(text).split())


def _names(name: str, lowered: str) -> bool:
    """Whether ``lowered`` names ``name`` as a word: "evolve" does not name the field VOLVE."""
    return re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", lowered) is not None


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def detect_language(text: str) -> str:
    """``es`` when Spanish words (or ¿ ¡ ñ and accents) outweigh English ones, else ``en``."""
    lowered = text.lower()
    words = re.findall(r"[a-záéíóúñü]+", lowered)
    es = sum(w in _ES_WORDS for w in words) + 2 * len(re.findall(r"[¿¡ñáéíóú]", lowered))
    en = sum(w in _EN_WORDS for w in words)
    return "es" if es > en else "en"


def _month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    return Period(start, end, "month", f"{year:04d}-{month:02d}")


def _quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    last_month = 3 * quarter
    return Period(
        start, date(year, last_month, calendar.monthrange(year, last_month)[1]), "quarter", f"{year}-Q{quarter}"
    )


def _day_period(day: date) -> Period:
    return Period(day, day, "day", day.isoformat())


def _relative(text: str, latest: date | None) -> tuple[Period | None, str | None]:
    """A relative period ending on the latest day in gold, or a problem."""
    n_match = _LAST_N_RE.search(text)
    one = _LAST_ONE_RE.search(text)
    if not n_match and not one:
        return None, None
    if latest is None:
        return None, "there is no data yet to take a relative period from"
    if n_match:
        n = int(n_match.group(1) or n_match.group(3))
        unit = _strip_accents((n_match.group(2) or n_match.group(4)).lower())
    else:
        n = 1
        word = _strip_accents(next(g for g in one.groups() if g).lower())  # type: ignore[union-attr]
        unit = {"semana": "week", "mes": "month", "dia": "day", "latest day": "day", "ultimo dia": "day"}.get(
            word, word
        )
    if n < 1 or n > 3660:
        return None, f"a relative period of {n} units is not supported"
    days = n * (7 if unit.startswith(("week", "semana")) else 30 if unit.startswith(("month", "mes")) else 1)
    start = latest - timedelta(days=days - 1)
    label = latest.isoformat() if days == 1 else f"{start.isoformat()} to {latest.isoformat()}"
    return Period(start, latest, "relative", label, latest), None


def parse_periods(text: str, latest: date | None) -> tuple[list[Period], list[str], list[str]]:
    """Every period the text names, in order; problems (bad dates, end before start); ambiguous mentions."""
    problems: list[str] = []
    ambiguous: list[str] = []
    found: list[tuple[int, Period]] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    def take(match: re.Match, period: Period) -> None:
        taken.append(match.span())
        found.append((match.start(), period))

    for m in _RANGE_RE.finditer(text):
        try:
            a = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            b = date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        except ValueError:
            problems.append(f"{m.group(0)} contains a date that is not a calendar date")
            taken.append(m.span())
            continue
        if b < a:
            problems.append(f"the period ends ({b.isoformat()}) before it starts ({a.isoformat()})")
            taken.append(m.span())
            continue
        take(m, Period(a, b, "range", f"{a.isoformat()} to {b.isoformat()}"))
    for m in _ISO_DAY_RE.finditer(text):
        if not free(m.span()):
            continue
        try:
            take(m, _day_period(date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
        except ValueError:
            problems.append(f"{m.group(0)} is not a calendar date")
            taken.append(m.span())
    for regex, order in ((_DAY_NAMED_RE, "dmy"), (_NAMED_DAY_RE, "mdy")):
        for m in regex.finditer(text):
            if not free(m.span()):
                continue
            d, mo, y = (m.group(1), m.group(2), m.group(3)) if order == "dmy" else (m.group(2), m.group(1), m.group(3))
            try:
                take(m, _day_period(date(int(y), MONTHS[mo.lower()], int(d))))
            except ValueError:
                problems.append(f"{m.group(0)} is not a calendar date")
                taken.append(m.span())
    for regex in (_QUARTER_RE, _ORD_QUARTER_RE):
        for m in regex.finditer(text):
            if not free(m.span()):
                continue
            if regex is _QUARTER_RE:
                q, y = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                take(m, _quarter_period(int(y), int(q)))
            else:
                take(m, _quarter_period(int(m.group(2)), _ORDINALS[m.group(1).lower()]))
    for m in _NAMED_MONTH_RE.finditer(text):
        if free(m.span()):
            take(m, _month_period(int(m.group(2)), MONTHS[m.group(1).lower()]))
    for m in _ISO_MONTH_RE.finditer(text):
        if free(m.span()):
            if 1 <= int(m.group(2)) <= 12:
                take(m, _month_period(int(m.group(1)), int(m.group(2))))
            else:
                problems.append(f"{m.group(0)} is not a month")
                taken.append(m.span())
    for m in _YEAR_RE.finditer(text):
        if free(m.span()):
            y = int(m.group(1))
            take(m, Period(date(y, 1, 1), date(y, 12, 31), "year", str(y)))
    for m in _BARE_MONTH_RE.finditer(text):
        if free(m.span()) and not found:
            word = m.group(1)
            # "may" is also an English verb: only a capitalised "May" names the month.
            if word.lower() == "may" and word != "May":
                continue
            ambiguous.append(word)
    relative, problem = _relative(text, latest)
    if problem:
        problems.append(problem)
    if relative:
        found.append((len(text), relative))
    return [p for _, p in sorted(found, key=lambda x: x[0])], problems, ambiguous


def _metrics(text: str) -> list[str]:
    lowered = text.lower()
    found: list[str] = []
    for pattern, metric in _METRIC_WORDS:
        for m in re.finditer(pattern, lowered):
            if metric not in found:
                found.append(metric)
            lowered = lowered[: m.start()] + " " * (m.end() - m.start()) + lowered[m.end() :]
    return found


def _kind(text: str) -> str | None:
    lowered = text.lower()
    for kind, pattern in _KIND_WORDS:
        if re.search(pattern, lowered):
            return kind
    return None


def parse_query(
    question: str,
    wells: dict[str, str | None],
    fields: tuple[str, ...] = ("VOLVE",),
    latest: date | None = None,
    facilities: tuple[str, ...] = (),
) -> Query | Problem:
    """The structured query of ``question`` against known ``wells`` and ``fields``, or the problem with it.

    ``latest`` is the latest day in gold: relative periods end there.
    """
    text = question.strip()
    language = detect_language(text)
    lowered = text.lower()
    # Well names first: "F-12" must not be read as a period or a number.
    mentions = resolve_wells(text, wells)
    masked = text
    for m in mentions:
        masked = masked.replace(m.text, " ")
    if (
        not _DOMAIN.search(text)
        and not mentions
        and not any(_names(f, lowered) for f in fields)
        and not any(_fold(f) in _fold(text) for f in facilities)
    ):
        return Problem(
            "out of scope: the question is not about production of the wells and fields in this lakehouse", language
        )
    if re.search(_UNSUPPORTED_KINDS, lowered):
        return Problem("unsupported kind of question: supported kinds are " + ", ".join(KINDS), language, KINDS)
    ambiguous_wells = _ambiguous_wells(text, wells)
    if ambiguous_wells:
        name, candidates = ambiguous_wells
        return Problem(f"ambiguous well {name}: it matches {', '.join(candidates)}", language, candidates)
    unknown = [m.text for m in mentions if m.well_id is None]
    if unknown:
        return Problem(
            f"unknown well {', '.join(unknown)}: known wells are {', '.join(sorted(wells))}",
            language,
            tuple(sorted(wells)),
        )
    known = tuple(dict.fromkeys(m.well_id for m in mentions if m.well_id))
    field_id = next((f for f in fields if _names(f, lowered)), None)
    folded = _fold(text)
    facility = next((f for f in facilities if _fold(f) in folded), None)
    if facility and (known or field_id):
        return Problem("name a well, a field or a facility, not several", language)
    if re.search(_UNSUPPORTED_METRICS, lowered):
        return Problem("unsupported metric: supported metrics are " + ", ".join(METRICS), language, METRICS)
    kind = _kind(masked)
    metrics = _metrics(masked)
    if kind is None:
        if not metrics:
            return Problem("unsupported kind of question: supported kinds are " + ", ".join(KINDS), language, KINDS)
        kind = "value"
    if "deferred_oil" in metrics and kind in ("value", "change", "deferment"):
        kind = "deferment"
    if kind == "deferment":
        metrics = ["deferred_oil"]
    if kind in ("quality", "events"):
        metric = None
    elif len(metrics) > 1:
        return Problem(
            f"ambiguous metric: the question names {', '.join(metrics)}; ask about one", language, tuple(metrics)
        )
    else:
        metric = metrics[0] if metrics else "oil"
    if metric is not None and metric not in SUPPORTED[kind]:
        return Problem(
            f"unsupported metric {metric} for a {kind} question: supported are {', '.join(SUPPORTED[kind])}",
            language,
            SUPPORTED[kind],
        )
    periods, problems, ambiguous = parse_periods(masked, latest)
    if problems:
        return Problem("; ".join(problems), language)
    if ambiguous and not periods:
        return Problem(
            f"ambiguous period: {ambiguous[0]} needs a year (e.g. {ambiguous[0]} 2015)", language, tuple(ambiguous)
        )
    horizon = None
    if kind == "forecast":
        nxt = _NEXT_N_RE.search(masked)
        if nxt:
            n = int(nxt.group(1))
            horizon = n * (30 if _strip_accents(nxt.group(2).lower()).startswith(("month", "mes")) else 1)
        periods = [p for p in periods if p.grain != "relative"]
    if kind in NEEDS_PERIOD and not periods:
        return Problem(
            "the question needs a day (YYYY-MM-DD), a month (May 2015), a quarter (2015-Q2), a year (2015), a "
            "range (from 2015-03-01 to 2015-03-31) or a relative period (the last 30 days) within the data",
            language,
        )
    if kind == "change" and periods[0].grain not in ("day", "month"):
        return Problem(
            "a why/change question compares a day with the previous day or a month with the previous month: "
            "give a day (YYYY-MM-DD) or a month (May 2015)",
            language,
        )
    period2 = None
    if kind == "comparison":
        if len(periods) >= 2 and len(known) <= 1:
            period2 = periods[1]
        elif len(known) == 2 or (len(known) == 1 and (field_id or re.search(r"\bfield\b|\bcampo\b", lowered))):
            pass
        else:
            return Problem("a comparison needs two wells, a well and the field, or two periods", language)
        if len(known) > 2:
            return Problem("a comparison takes two wells at most", language, known)
    elif len(periods) > 1 and kind not in ("forecast",):
        return Problem(
            f"the question names {len(periods)} periods ({', '.join(p.label for p in periods)}); ask about one",
            language,
            tuple(p.label for p in periods),
        )
    if facility and kind in ("change", "events", "quality", "forecast"):
        return Problem(f"a {kind} question is about a well or the field, not a facility", language)
    if kind in ("ranking",) and known:
        return Problem("a ranking question is about all wells; do not name a well", language)
    if kind in ("trend", "value", "deferment", "change", "events", "quality") and len(known) > 1:
        return Problem(f"the question names {len(known)} wells; ask about one (or compare two)", language, known)
    aspect = None
    if kind == "forecast":
        aspect = "change" if _FORECAST_CHANGE.search(lowered) else "expected"
        if len(known) > 1 or (aspect == "change" and len(known) != 1):
            return Problem("a forecast question needs exactly one known well, e.g. 15/9-F-12", language)
        one = re.search(r"\b(?:next|coming|pr[oó]xim[oa])\s+(week|month|semana|mes)\b", lowered)
        if horizon is None and one:
            horizon = 7 if one.group(1) in ("week", "semana") else 30
        if horizon is None:
            horizon = 30
        if not 1 <= horizon <= 90:
            return Problem("a forecast covers the next 1 to 90 days (3 months)", language)
    if kind == "events" and not known:
        return Problem("an events question needs one known well, e.g. 15/9-F-12", language)
    n = None
    order = "top"
    if kind == "ranking":
        top = _TOP_N_RE.search(masked)
        n = int(top.group(1) or top.group(2)) if top else 1
        if n < 1 or n > MAX_RANKING:
            return Problem(f"a ranking lists 1 to {MAX_RANKING} wells", language)
        order = "bottom" if _BOTTOM.search(lowered) else "top"
    direction = "down" if _DOWN.search(lowered) else "up" if _UP.search(lowered) else None
    return Query(
        text=text,
        kind=kind,
        metric=metric,
        wells=known,
        field=field_id,
        period=periods[0] if periods else None,
        period2=period2,
        language=language,
        n=n,
        order=order,
        direction=direction if kind == "change" else None,
        horizon_days=horizon,
        aspect=aspect,
        facility=facility,
    )


def _ambiguous_wells(text: str, wells: dict[str, str | None]) -> tuple[str, tuple[str, ...]] | None:
    """A bare well number ("F-1") that two register wells share ("15/9-F-1 A", "15/9-F-1 B")."""
    by_number: dict[int, list[str]] = {}
    for well_id in wells:
        m = re.search(r"F-?(\d{1,2})", well_id)
        if m:
            by_number.setdefault(int(m.group(1)), []).append(well_id)
    for m in re.finditer(r"\b(?:NO\s+)?(?:15/9-)?F-?(\d{1,2})\b(?!\s+(?:[A-D]|H|AH)\b)", text, re.IGNORECASE):
        candidates = sorted(by_number.get(int(m.group(1)), []))
        if len(candidates) > 1 and not any(_exact(m.group(0), c) for c in candidates):
            return m.group(0), tuple(candidates)
    return None


def _exact(text: str, well_id: str) -> bool:
    return re.sub(r"\s+", "", text).upper() in {re.sub(r"\s+", "", well_id).upper()}


@dataclass(frozen=True)
class Reason:
    """One kind of refusal reason: how the engine writes it in English and its Spanish text."""

    pattern: str  # the English reason as a regular expression, its variable parts as groups
    spanish: str | Callable[[re.Match[str]], str]  # the replacement (``re.sub``) that writes it in Spanish
    example: str  # a reason of this kind exactly as the engine writes it


_METRIC_ES = {
    "oil": "petróleo",
    "water": "agua",
    "liquid": "líquido",
    "injection": "inyección",
    "water cut": "corte de agua",
    "gor": "RGP",
    "on stream hours": "horas en producción",
    "deferred oil": "petróleo diferido",
}


def _scope_es(text: str) -> str:
    """ "<scope> on|in|from <period>" as the engine writes it, in Spanish."""
    text = re.sub(r" from (\S+) to (\S+)$", r" del \1 al \2", text)
    text = re.sub(r" on (\S+)$", r" el \1", text)
    return re.sub(r" in (.+)$", r" en \1", text)


def _no_data_es(m: re.Match[str]) -> str:
    return f"no hay datos de {_METRIC_ES.get(m.group(1), m.group(1))} para {_scope_es(m.group(2))}"


def _trend_es(m: re.Match[str]) -> str:
    unit = {"day": "días", "month": "meses"}.get(m.group(1), m.group(1))
    return f"una tendencia necesita al menos dos {unit} con datos de {_scope_es(m.group(2))}"


def _no_change_data_es(m: re.Match[str]) -> str:
    product = _METRIC_ES.get(m.group(1), m.group(1))
    return f"no hay producción de {product} de {m.group(2)} para {m.group(3)} ni para el periodo anterior"


def _no_forecast_es(m: re.Match[str]) -> str:
    return f"no hay pronóstico guardado de {_METRIC_ES.get(m.group(1), m.group(1))} para {m.group(2)}"


# Every refusal reason the engine gives, by code. The order matters only where two patterns could match
# the same text: the first one wins.
REASONS: dict[str, Reason] = {
    "out_of_scope": Reason(r"^out of scope: .*", "fuera de alcance: la pregunta no trata de la producción de los pozos y campos de este lakehouse", "out of scope: the question is not about production of the wells and fields in this lakehouse"),
    "unsupported_kind": Reason(r"^unsupported kind of question: supported kinds are (.*)", r"tipo de pregunta no soportado: los tipos soportados son \1", "unsupported kind of question: supported kinds are value, ranking"),
    "unknown_well": Reason(r"^unknown well (.*): known wells are (.*)", r"pozo desconocido \1: los pozos conocidos son \2", "unknown well F-99: known wells are 15/9-F-12, 15/9-F-14"),
    "ambiguous_well": Reason(r"^ambiguous well (.*): it matches (.*)", r"pozo ambiguo \1: coincide con \2", "ambiguous well F-1: it matches 15/9-F-1 A, 15/9-F-1 B"),
    "unsupported_metric": Reason(r"^unsupported metric: supported metrics are (.*)", r"métrica no soportada: las métricas soportadas son \1", "unsupported metric: supported metrics are oil, gas"),
    "metric_for_kind": Reason(r"^unsupported metric (\S+) for a (\S+) question: supported are (.*)", r"métrica \1 no soportada en una pregunta de tipo \2: se admiten \3", "unsupported metric gor for a deferment question: supported are deferred_oil"),
    "ambiguous_metric": Reason(r"^ambiguous metric: the question names (.*); ask about one", r"métrica ambigua: la pregunta nombra \1; pregunte por una", "ambiguous metric: the question names oil, gas; ask about one"),
    "ambiguous_period": Reason(r"^ambiguous period: (\S+) needs a year .*", r"periodo ambiguo: \1 necesita un año (p. ej. \1 de 2015)", "ambiguous period: March needs a year (e.g. March 2015)"),
    "no_period": Reason(r"^the question needs a day .*", "la pregunta necesita un día (AAAA-MM-DD), un mes (mayo de 2015), un trimestre (2015-Q2), un año (2015), un rango (del 2015-03-01 al 2015-03-31) o un periodo relativo (los últimos 30 días) dentro de los datos", "the question needs a day (YYYY-MM-DD), a month (May 2015), a quarter (2015-Q2), a year (2015), a range (from 2015-03-01 to 2015-03-31) or a relative period (the last 30 days) within the data"),
    "outside_data": Reason(r"^no production data for (\S+): data covers (\S+) to (\S+)$", r"no hay datos de producción para \1: los datos cubren del \2 al \3", "no production data for 2020-01-15: data covers 2007-09-01 to 2016-09-17"),
    "end_before_start": Reason(r"^the period ends \((\S+)\) before it starts \((\S+)\)$", r"el periodo termina (\1) antes de empezar (\2)", "the period ends (2015-03-01) before it starts (2015-03-31)"),
    "range_not_a_date": Reason(r"^(.*) contains a date that is not a calendar date$", r"\1 contiene una fecha que no es del calendario", "from 2015-02-30 to 2015-03-31 contains a date that is not a calendar date"),
    "not_a_date": Reason(r"^(\S+) is not a calendar date$", r"\1 no es una fecha del calendario", "2016-02-30 is not a calendar date"),
    "not_a_month": Reason(r"^(.*) is not a month$", r"\1 no es un mes", "2015-13 is not a month"),
    "no_data_for_relative": Reason(r"^there is no data yet to take a relative period from$", "todavía no hay datos de los que tomar un periodo relativo", "there is no data yet to take a relative period from"),
    "relative_too_long": Reason(r"^a relative period of (\d+) units is not supported$", r"un periodo relativo de \1 unidades no está soportado", "a relative period of 5000 units is not supported"),
    "change_needs_day_or_month": Reason(r"^a why/change question compares .*", "una pregunta de por qué/cambio compara un día con el anterior o un mes con el anterior: indique un día (AAAA-MM-DD) o un mes (mayo de 2015)", "a why/change question compares a day with the previous day or a month with the previous month: give a day (YYYY-MM-DD) or a month (May 2015)"),
    "forecast_one_well": Reason(r"^a forecast question needs exactly one known well.*", "una pregunta de pronóstico necesita exactamente un pozo conocido, p. ej. 15/9-F-12", "a forecast question needs exactly one known well, e.g. 15/9-F-12"),
    "forecast_horizon": Reason(r"^a forecast covers the next 1 to 90 days \(3 months\)$", "un pronóstico cubre los próximos 1 a 90 días (3 meses)", "a forecast covers the next 1 to 90 days (3 months)"),
    "no_stored_forecasts": Reason(r"^no stored forecasts in this environment yet.*", "todavía no hay pronósticos guardados en este entorno: materialice forecast_job", "no stored forecasts in this environment yet (no forecast table): materialize forecast_job"),
    "no_stored_forecast": Reason(r"^no stored (\S+) forecast for (.*)$", _no_forecast_es, "no stored oil forecast for 15/9-F-4"),
    "no_history": Reason(r"^no production history for (.*)$", r"no hay historial de producción de \1", "no production history for 15/9-F-4"),
    "not_enough_history": Reason(r"^not enough producing history of (\S+) to forecast from both (\S+) and (\S+)$", r"no hay suficiente historial de producción de \1 para pronosticar desde \2 y desde \3", "not enough producing history of 15/9-F-4 to forecast from both 2016-08-18 and 2016-09-17"),
    "events_one_well": Reason(r"^an events question needs one known well.*", "una pregunta de eventos necesita un pozo conocido, p. ej. 15/9-F-12", "an events question needs one known well, e.g. 15/9-F-12"),
    "comparison_needs_two": Reason(r"^a comparison needs two wells.*", "una comparación necesita dos pozos, un pozo y el campo, o dos periodos", "a comparison needs two wells, a well and the field, or two periods"),
    "comparison_at_most_two": Reason(r"^a comparison takes two wells at most$", "una comparación admite dos pozos como máximo", "a comparison takes two wells at most"),
    "ranking_no_well": Reason(r"^a ranking question is about all wells.*", "una clasificación trata de todos los pozos; no nombre un pozo", "a ranking question is about all wells; do not name a well"),
    "ranking_size": Reason(r"^a ranking lists 1 to (\d+) wells$", r"una clasificación lista de 1 a \1 pozos", "a ranking lists 1 to 100 wells"),
    "several_wells": Reason(r"^the question names (\d+) wells.*", r"la pregunta nombra \1 pozos; pregunte por uno (o compare dos)", "the question names 2 wells; ask about one (or compare two)"),
    "several_periods": Reason(r"^the question names (\d+) periods \((.*)\); ask about one", r"la pregunta nombra \1 periodos (\2); pregunte por uno", "the question names 2 periods (2015, 2016); ask about one"),
    "empty": Reason(r"^empty question$", "pregunta vacía", "empty question"),
    "too_long": Reason(r"^question too long \(over (\d+) characters\)$", r"pregunta demasiado larga (más de \1 caracteres)", "question too long (over 1000 characters)"),
    "not_for_facility": Reason(r"^a (\S+) question is about a well or the field, not a facility$", r"una pregunta de tipo \1 trata de un pozo o del campo, no de una instalación", "a trend question is about a well or the field, not a facility"),
    "several_scopes": Reason(r"^name a well, a field or a facility, not several$", "nombre un pozo, un campo o una instalación, no varios", "name a well, a field or a facility, not several"),
    "no_metric_data": Reason(r"^no ([a-z_ ]+) data for (.*)$", _no_data_es, "no water cut data for 15/9-F-12 on 2015-03-01"),
    "trend_needs_two": Reason(r"^a trend needs at least two (\S+)s with data for (.*)$", _trend_es, "a trend needs at least two days with data for 15/9-F-12 on 2015-03-01"),
    "no_change_data": Reason(r"^no (\S+) production of (.*) for (\S+) and the period before it$", _no_change_data_es, "no oil production of 15/9-F-4 for 2008-01-01 and the period before it"),
    "warehouse_unreadable": Reason(r"^the gold warehouse cannot be read: (.*)$", r"no se puede leer el almacén gold: \1", "the gold warehouse cannot be read: IOException"),
    "no_gold": Reason(r"^no gold data in this environment yet.*", "todavía no hay datos gold en este entorno: ejecute primero `datalive run`", "no gold data in this environment yet: run `datalive run` first"),
    "no_index": Reason(r"^the explanation index is not built in this environment.*", "el índice de explicaciones no está construido en este entorno: ejecute `datalive index`", "the explanation index is not built in this environment: run `datalive index`"),
    "composer_failed": Reason(r"^the composer failed: (.*)$", r"falló la redacción de la respuesta: \1", "the composer failed: ConnectError: refused"),
    "check_failed": Reason(r"^the composed answer failed a check and was withheld: (.*)$", r"la respuesta redactada no pasó una comprobación y se retuvo: \1", "the composed answer failed a check and was withheld: 12.3 is not a cited number"),
    "nothing_to_say": Reason(r"^nothing to say about this question from the data$", "los datos no dicen nada sobre esta pregunta", "nothing to say about this question from the data"),
}  # fmt: skip


def reason_code(reason: str) -> str | None:
    """The code of an English refusal reason (None: a reason the registry does not know)."""
    return next((code for code, r in REASONS.items() if re.match(r.pattern, reason)), None)


def spanish_reason(reason: str) -> str:
    """A refusal reason in Spanish; several reasons joined by "; " are translated one by one."""
    code = reason_code(reason)
    if code is not None:
        entry = REASONS[code]
        return re.sub(entry.pattern, entry.spanish, reason)
    parts = reason.split("; ")
    if len(parts) > 1 and all(reason_code(p) for p in parts):
        return "; ".join(spanish_reason(p) for p in parts)
    return f"pregunta rechazada ({reason})"
