"""The checks every answer passes before it is returned, whichever composer wrote it.

1. Every citation resolves to a chunk in the index, and its quote is a verbatim span of that chunk.
2. Every number in the text equals a fact the engine computed from gold, or a number in a cited chunk.
   Rounding rule: a number written with d decimals matches a value v when |x − v| ≤ 0.5·10^-d (a
   percentage x% matches a ratio v when |x − 100·v| ≤ 0.5·10^-d). Magnitudes are compared: "fell by
   38.2" states the change −38.2 in words. Dates, months, well names, event ids and citation markers are
   not quantities and are checked separately.
   Spanish answers write a decimal comma ("1331,4"): they are read back as the same numbers. Years
   (1900–2099 written without decimals) are period labels, not quantities.
3. Every date named is a day with production data (or appears in a cited chunk, or bounds the period the
   question asked about); every month named has data; every well named is a known well.
4. The answer answers the question asked: the kind, metric, wells, field and period the analysis computed
   equal the ones parsed from the question (:func:`check_query`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from da_platform.rag.analysis import Fact
from da_platform.rag.documents import Chunk
from da_platform.rag.entities import resolve_wells

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_MONTH = re.compile(r"\b\d{4}-\d{2}\b")
_MONTH_NAME_YEAR = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{4})\b"
)
_WELL = re.compile(r"\b(?:NO\s+)?(?:15/9-)?F-?\d{1,2}(?:\s+(?:[A-D]|H|AH)\b)?")
_EVENT_ID = re.compile(r"\b[A-Z]{2,}-\d+\b")
_MARKER = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"(?<![\w.])[-+−]?\d+(?:\.\d+)?(%?)")
_NUMBER_ES = re.compile(r"(?<![\w,])[-+−]?\d+(?:,\d+)?(%?)")
_YEAR = re.compile(r"(?<![\w.,-])(?:19|20)\d{2}(?![\w]|[.,]\d)")
_QUARTER = re.compile(r"\b\d{4}-Q[1-4]\b")


@dataclass(frozen=True)
class Citation:
    """A cited chunk and the verbatim span quoted from it."""

    id: str
    source: str
    quote: str

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"id": self.id, "source": self.source, "quote": self.quote}


class CheckFailed(Exception):
    """An answer that failed a check; the message says which and why."""


def _numbers(text: str, language: str = "en") -> list[tuple[float, int, bool, str]]:
    """(value, decimals, is_percent, as written) of each quantity in ``text`` (decimal comma in Spanish)."""
    masked = _MARKER.sub(" ", text)
    for pattern in (_QUARTER, _DATE, _MONTH, _EVENT_ID, _WELL, _MONTH_NAME_YEAR, _YEAR):
        masked = pattern.sub(" ", masked)
    found = []
    for match in (_NUMBER_ES if language == "es" else _NUMBER).finditer(masked):
        written = match.group(0).replace("−", "-").rstrip("%")
        if language == "es":
            written = written.replace(",", ".")
        decimals = len(written.split(".")[1]) if "." in written else 0
        found.append((float(written), decimals, bool(match.group(1)), match.group(0)))
    return found


def _matches(value: float, decimals: int, percent: bool, candidates: Iterable[float]) -> bool:
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    for v in candidates:
        if abs(value - v) <= tolerance or abs(abs(value) - abs(v)) <= tolerance:
            return True
        if percent and abs(value - 100 * v) <= tolerance:
            return True
    return False


def check_citations(citations: list[Citation], index: dict[str, Chunk]) -> None:
    """Each citation names an indexed chunk and quotes it verbatim."""
    for citation in citations:
        chunk = index.get(citation.id)
        if chunk is None:
            raise CheckFailed(f"citation {citation.id!r} does not resolve to an indexed chunk")
        if not citation.quote or citation.quote not in chunk.text:
            raise CheckFailed(f"the quote attributed to {citation.id!r} is not in that chunk")
        if citation.source != chunk.source:
            raise CheckFailed(f"citation {citation.id!r} names source {citation.source!r}, not {chunk.source!r}")


def check_numbers(text: str, facts: list[Fact], cited: list[Chunk], language: str = "en") -> list[Fact]:
    """Every number in ``text`` is a fact or appears in a cited chunk; returns the facts the text uses.

    ``language`` is the answer's: Spanish text is read with a decimal comma (chunks are always English).
    """
    values = [(f, float(f.value)) for f in facts if isinstance(f.value, int | float)]
    chunk_numbers = [v for c in cited for v, _, _, _ in _numbers(c.text)]
    used: list[Fact] = []
    for value, decimals, percent, written in _numbers(text, language):
        matched = [f for f, v in values if _matches(value, decimals, percent, [v])]
        if matched:
            used.extend(f for f in matched if f not in used)
        elif not _matches(value, decimals, percent, chunk_numbers):
            raise CheckFailed(f"the number {written} is neither a fact computed from gold nor in a cited chunk")
    return used


def check_names(
    text: str,
    known_wells: dict[str, str | None],
    days: set[date],
    cited: list[Chunk],
    allowed: Iterable[date] = (),
) -> None:
    """Dates named are days with data (or in a cited chunk, or ``allowed``: the bounds of the period asked
    about); months have data; wells named exist."""
    cited_text = " ".join(c.text for c in cited)
    allowed = set(allowed)
    for match in _DATE.finditer(text):
        try:
            day = date.fromisoformat(match.group(0))
        except ValueError as exc:
            raise CheckFailed(f"{match.group(0)} is not a date") from exc
        if day not in days and day not in allowed and match.group(0) not in cited_text:
            raise CheckFailed(f"the answer names {match.group(0)}, a day with no production data")
    months = {d.isoformat()[:7] for d in days}
    for match in _MONTH.finditer(_DATE.sub(" ", text)):
        if match.group(0) not in months:
            raise CheckFailed(f"the answer names the month {match.group(0)}, which has no production data")
    for mention in resolve_wells(text, known_wells):
        if mention.well_id is None:
            raise CheckFailed(f"the answer names {mention.text!r}, which is not a known well")


def check_query(parsed, answered) -> None:
    """The answer answers the parsed question: same kind, metric, wells, field (when named) and period.

    ``parsed`` and ``answered`` are :class:`da_platform.rag.query.Query`; ``answered`` is built by the
    analysis from what it computed, so a handler that answered another kind, metric, well or period fails.
    """
    if answered is None:
        raise CheckFailed("the analysis did not say which question it answered")
    for name in ("kind", "metric", "wells", "facility", "period", "period2", "language"):
        want, got = getattr(parsed, name), getattr(answered, name)
        if want != got:
            raise CheckFailed(f"the answer's {name} ({got!r}) is not the question's ({want!r})")
    if parsed.field is not None and answered.field != parsed.field:
        raise CheckFailed(f"the answer is about field {answered.field!r}, the question about {parsed.field!r}")
    if parsed.kind == "ranking" and (parsed.n != answered.n or parsed.order != answered.order):
        raise CheckFailed("the ranking answered is not the size or order asked")
