"""How far a step of `datalive run` has got: assets completed out of the assets the step materializes.

Pure logic, no Dagster import: the CLI feeds it each stored event of the in-process run (its type and
asset key) and draws the bar from ``completed`` / ``total``. A dbt step materializes one asset per model as
each model finishes, so the gold step advances model by model; a partition range materializes an asset once
per partition, and an asset counts once.
"""

from __future__ import annotations

from collections.abc import Iterable

MATERIALIZED = "ASSET_MATERIALIZATION"


class AssetProgress:
    """Completed / total assets of one run, advanced one event at a time."""

    def __init__(self, expected: Iterable[str]) -> None:
        self._expected = frozenset(expected)
        self._done: set[str] = set()

    @property
    def total(self) -> int | None:
        """How many assets the step materializes; None when unknown (the bar then pulses)."""
        return len(self._expected) or None

    @property
    def completed(self) -> int:
        """Distinct expected assets materialized so far."""
        return len(self._done)

    def observe(self, event_type: str, asset_key: str | None) -> bool:
        """Take one event of the run; True when it completed an asset not counted before (redraw then).

        Other events (checks, step starts, logs) and assets outside the step's selection never count, so
        ``completed`` stays at most ``total``."""
        if event_type != MATERIALIZED or asset_key is None or asset_key not in self._expected:
            return False
        if asset_key in self._done:
            return False
        self._done.add(asset_key)
        return True
