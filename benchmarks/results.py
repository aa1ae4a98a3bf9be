"""Where every benchmark leaves its figures (``bench-results/<name>.json``), for the collected report."""

from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "bench-results"


def machine() -> dict[str, int]:
    """Cores and memory of this machine, stated next to every figure."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count() or 0, "memory_gib": round(memory_gib)}


def write_result(name: str, payload: dict) -> Path:
    """Write one benchmark's figures as JSON and return the file."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{name}.json"
    target.write_text(json.dumps(payload, indent=2, default=str))
    return target
