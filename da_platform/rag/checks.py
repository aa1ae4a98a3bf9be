"""The checks every answer passes before it is returned, whichever composer wrote it.

1. Every citation resolves to a chunk in the index, and its quote is a verbatim span of that chunk.
2. Every number in the text equals a fact the engine computed from gold, or a number in a cited chunk.
   Rounding rule: a number written with d decimals matches a value v when |x − v| ≤ 0.5·10^-d (a
   percentage x% matches a ratio v when |x − 100·v| ≤ 0.5·10^-d). Magnitudes are compared: "fell by
   38.2" states the change −38.2 in words. Dates, months, well names, event ids and citation markers are
   not quantities and are checked separately.
3. Every date named is a day with production data (or appears in a cited chunk); every month named has
   data; every well named is a known well.
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


def _numbers(text: str) -> list[tuple[float, int, bool, str]]:
    """(value, decimals, is_percent, as written) of each quantity in ``text``."""
    masked = _MARKER.sub(" ", text)
    for pattern in (_DATE, _MONTH, _EVENT_ID, _WELL, _MONTH_NAME_YEAR):
        masked = pattern.sub(" ", masked)
    found = []
    for match in _NUMBER.finditer(masked):
        written = match.group(0).replace("−", "-").rstrip("%")
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


def check_numbers(text: str, facts: list[Fact], cited: list[Chunk]) -> list[Fact]:
    """Every number in ``text`` is a fact or appears in a cited chunk; returns the facts the text uses."""
    values = [(f, float(f.value)) for f in facts if isinstance(f.value, int | float)]
    chunk_numbers = [v for c in cited for v, _, _, _ in _numbers(c.text)]
    used: list[Fact] = []
    for value, decimals, percent, written in _numbers(text):
        matched = [f for f, v in values if _matches(value, decimals, percent, [v])]
        if matched:
            used.extend(f for f in matched if f not in used)
        elif not _matches(value, decimals, percent, chunk_numbers):
            raise CheckFailed(f"the number {written} is neither a fact computed from gold nor in a cited chunk")
    return used


def check_names(text: str, known_wells: dict[str, str | None], days: set[date], cited: list[Chunk]) -> None:
    """Dates named are days with data (or in a cited chunk); months have data; wells named exist."""
    cited_text = " ".join(c.text for c in cited)
    for match in _DATE.finditer(text):
        try:
            day = date.fromisoformat(match.group(0))
        except ValueError as exc:
            raise CheckFailed(f"{match.group(0)} is not a date") from exc
        if day not in days and match.group(0) not in cited_text:
            raise CheckFailed(f"the answer names {match.group(0)}, a day with no production data")
    months = {d.isoformat()[:7] for d in days}
    for match in _MONTH.finditer(_DATE.sub(" ", text)):
        if match.group(0) not in months:
            raise CheckFailed(f"the answer names the month {match.group(0)}, which has no production data")
    for mention in resolve_wells(text, known_wells):
        if mention.well_id is None:
            raise CheckFailed(f"the answer names {mention.text!r}, which is not a known well")
