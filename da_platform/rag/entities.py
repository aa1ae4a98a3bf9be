"""Question → entities: wells, field, product, dates, metric and the kind of question.

Parsing is deterministic and conservative: a well-like token that matches no known well is kept as
``unknown_wells`` so the engine can refuse, instead of silently answering about the field.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

# "NO 15/9-F-12 H", "15/9-F-12", "F-12", "F12", "15/9-F-1 C", "F-15 D": wellbore letter optional.
_WELL_RE = re.compile(r"\b(?:NO\s+)?(?:15/9-)?F-?(\d{1,2})(?:\s+([A-D]|H|AH)\b)?", re.IGNORECASE)
_ISO_DAY_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ISO_MONTH_RE = re.compile(r"\b(\d{4})-(\d{2})\b(?!-)")
_NAMED_MONTH_RE = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{4}})\b", re.IGNORECASE)
_DAY_NAMED_MONTH_RE = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE})\.?\s+(\d{{4}})\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(?:in|during)\s+((?:19|20)\d{2})\b", re.IGNORECASE)

_PRODUCTS = {"oil": "oil", "gas": "gas", "water": "water", "liquid": "oil", "crude": "oil"}
_DOWN = ("drop", "dropped", "decline", "declined", "fall", "fell", "decrease", "decreased", "lower", "lost", "down")
_UP = ("rise", "rose", "increase", "increased", "higher", "up", "jump", "jumped", "gain", "gained")
# Words that make a question about production at all; without one (and without a well or field) it is
# out of scope, whatever else it asks.
_DOMAIN_WORDS = (
    "oil",
    "gas",
    "water",
    "production",
    "produce",
    "produced",
    "producing",
    "well",
    "wells",
    "field",
    "volve",
    "uptime",
    "downtime",
    "forecast",
    "rate",
    "sm3",
    "volume",
    "decline",
    "drop",
    "output",
    "shut",
    "workover",
    "event",
    "events",
    "injection",
    "cut",
    "gor",
)


@dataclass(frozen=True)
class WellMention:
    """A well-like token in the question and the register well it names, if any."""

    text: str
    well_id: str | None


@dataclass(frozen=True)
class ParsedQuestion:
    """What the question is about; ``kind`` chooses the analysis the engine runs."""

    text: str
    kind: str  # "forecast_change" | "drivers" | "change" | "value" | "events" | "out_of_scope"
    wells: tuple[str, ...] = ()
    unknown_wells: tuple[str, ...] = ()
    field: str | None = None
    product: str = "oil"
    day: date | None = None
    month: tuple[int, int] | None = None
    year: int | None = None
    direction: str | None = None  # "down" | "up" | None
    metric: str = "volume"
    notes: tuple[str, ...] = ()


def well_aliases(well_id: str, wellbore_code: str | None = None) -> set[str]:
    """Normalised spellings of a well: ``15/9-F-12`` → {"F12", "F12H"} (wellbore suffix optional)."""
    match = _WELL_RE.search(well_id)
    aliases = {_norm(well_id)}
    if match:
        number, letter = match.group(1), (match.group(2) or "").upper()
        aliases.add(f"F{int(number)}{letter}")
    if wellbore_code:
        code = _WELL_RE.search(wellbore_code)
        if code:
            aliases.add(f"F{int(code.group(1))}{(code.group(2) or '').upper()}")
    return aliases


def _norm(text: str) -> str:
    match = _WELL_RE.search(text)
    if not match:
        return text.upper()
    return f"F{int(match.group(1))}{(match.group(2) or '').upper()}"


def resolve_wells(question: str, wells: dict[str, str | None]) -> list[WellMention]:
    """Well mentions in ``question`` resolved against ``wells`` (well_id → wellbore code).

    ``F-12`` names 15/9-F-12; ``F-1`` alone is ambiguous only if two wells share number 1 without a
    letter, which is not the case on Volve (``15/9-F-1 C`` is the only F-1 producer), so a bare number
    resolves to the one well with that number.
    """
    by_alias: dict[str, str] = {}
    by_number: dict[int, set[str]] = {}
    for well_id, code in wells.items():
        for alias in well_aliases(well_id, code):
            by_alias[alias] = well_id
        match = _WELL_RE.search(well_id)
        if match:
            by_number.setdefault(int(match.group(1)), set()).add(well_id)
    mentions: list[WellMention] = []
    for match in _WELL_RE.finditer(question):
        number, letter = int(match.group(1)), (match.group(2) or "").upper()
        well_id = by_alias.get(f"F{number}{letter}")
        if well_id is None and letter in ("", "H", "AH"):
            candidates = by_number.get(number, set())
            well_id = next(iter(candidates)) if len(candidates) == 1 else None
        if well_id is None and letter:
            # "F-1 C" where C is a sentence word, e.g. "F-12 A" is not a well but letter matters: retry
            # without the letter only when the bare number is one well.
            candidates = by_number.get(number, set())
            well_id = next(iter(candidates)) if len(candidates) == 1 else None
        mentions.append(WellMention(match.group(0).strip(), well_id))
    return mentions


def _dates(text: str) -> tuple[date | None, tuple[int, int] | None, int | None, list[str]]:
    notes: list[str] = []
    day = None
    for match in _ISO_DAY_RE.finditer(text):
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            notes.append(f"{match.group(0)} is not a calendar date")
        break
    if day is None:
        match = _DAY_NAMED_MONTH_RE.search(text)
        if match:
            try:
                day = date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
            except ValueError:
                notes.append(f"{match.group(0)} is not a calendar date")
    month = None
    if day is None and not notes:
        match = _NAMED_MONTH_RE.search(text)
        if match:
            month = (int(match.group(2)), _MONTHS[match.group(1).lower()])
        else:
            iso = _ISO_MONTH_RE.search(text)
            if iso and 1 <= int(iso.group(2)) <= 12:
                month = (int(iso.group(1)), int(iso.group(2)))
    year = None
    if day is None and month is None:
        match = _YEAR_RE.search(text)
        if match:
            year = int(match.group(1))
    return day, month, year, notes


def _has_word(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(w)}\b", text) for w in words)


def parse_question(question: str, wells: dict[str, str | None], fields: tuple[str, ...] = ("VOLVE",)) -> ParsedQuestion:
    """Parse ``question`` against the known ``wells`` (id → wellbore code) and ``fields``."""
    lowered = question.lower()
    mentions = resolve_wells(question, wells)
    known = tuple(dict.fromkeys(m.well_id for m in mentions if m.well_id))
    unknown = tuple(m.text for m in mentions if m.well_id is None)
    field_id = next((f for f in fields if f.lower() in lowered), None)
    product = next((p for word, p in _PRODUCTS.items() if re.search(rf"\b{word}\b", lowered)), "oil")
    day, month, year, notes = _dates(question)
    direction = "down" if _has_word(lowered, _DOWN) else "up" if _has_word(lowered, _UP) else None
    metric = "uptime" if _has_word(lowered, ("uptime", "downtime", "on-stream")) else "volume"
    about_production = _has_word(lowered, _DOMAIN_WORDS) or bool(mentions) or field_id is not None
    if not about_production:
        kind = "out_of_scope"
    elif "forecast" in lowered:
        kind = "forecast_change"
    elif _has_word(lowered, ("which", "drove", "driver", "drivers", "contributed")) and not known:
        kind = "drivers"
    elif (
        _has_word(lowered, ("why", "explain", "cause", "reason", "happened", "change", "changed", "moved")) or direction
    ):
        kind = "change"
    elif _has_word(lowered, ("event", "events", "shut", "workover", "downtime")):
        kind = "events"
    else:
        kind = "value"
    return ParsedQuestion(
        text=question,
        kind=kind,
        wells=known,
        unknown_wells=unknown,
        field=field_id,
        product=product,
        day=day,
        month=month,
        year=year,
        direction=direction,
        metric=metric,
        notes=tuple(notes),
    )
