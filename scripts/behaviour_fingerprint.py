"""A fingerprint of what the product computes on the bundled Volve sample, to prove a refactor changed nothing.

Builds a fresh environment (`datalive run --sample` in a temporary home), then digests every gold and silver
table of the warehouse, every lake table of silver and forecast, the backtest (`datalive backtest --json`)
and every answer of the explanation evaluation. Run it before and after a change and compare:

    python scripts/behaviour_fingerprint.py > before.json
    ... change ...
    python scripts/behaviour_fingerprint.py --compare before.json

Digests are per column, so a difference names the table and column. Columns that record when or by which
run something was built (``*_at``, run ids, model versions' timestamps) differ between any two builds and
are listed apart, not compared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

DATALIVE = str(Path(sys.executable).parent / "datalive")
# Columns that differ between two builds of the same input: build times, run ids, paths under the home.
VOLATILE = re.compile(r"(_at|_ts|timestamp|run_id|_uuid|built|created|updated|mlflow|source_path|path)$")


# A landing time inside a stored record (bronze's raw_record keeps `arrived_at`) differs between builds too.
ARRIVAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")


def _stable(value: Any) -> Any:
    """A value with build-specific parts taken out: landing times in text, and float digits beyond 10
    significant ones (a sum over a set of wells may add in another order in another process)."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, str):
        return ARRIVAL.sub("<time>", value)
    if isinstance(value, list | tuple):
        return [_stable(v) for v in value]
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    return value


def _digest(values: list[Any]) -> str:
    return hashlib.sha256("\n".join(repr(_stable(v)) for v in values).encode()).hexdigest()[:16]


def _frame_digest(frame) -> dict[str, Any]:
    """Per column digests of a polars frame, rows sorted by every stable column."""
    stable = [c for c in frame.columns if not VOLATILE.search(c.lower())]
    ordered = frame.sort(stable, nulls_last=True) if stable else frame
    return {
        "rows": frame.height,
        "columns": {c: _digest(ordered[c].to_list()) for c in stable},
        "volatile": sorted(set(frame.columns) - set(stable)),
    }


def _warehouse(path: Path) -> dict[str, Any]:
    import duckdb

    out: dict[str, Any] = {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables order by 1, 2").fetchall()
        for schema, name in tables:
            out[f"{schema}.{name}"] = _frame_digest(con.execute(f'select * from "{schema}"."{name}"').pl())
    finally:
        con.close()
    return out


def _lake(root: Path) -> dict[str, Any]:
    import polars as pl

    out: dict[str, Any] = {}
    for log in sorted(root.glob("*/*/_delta_log")):
        table = log.parent
        rel = table.relative_to(root).as_posix()
        if rel.split("/")[0] not in {"silver", "forecast", "bronze"}:
            continue
        out[rel] = _frame_digest(pl.read_delta(str(table)))
    return out


def _evaluation(home: Path) -> dict[str, Any]:
    from da_platform.env import load_settings
    from da_platform.rag.evaluation import load_eval_set
    from da_platform.rag.service import open_explainer

    os.environ["DATALIVE_HOME"] = str(home)
    os.environ["DA_ENV"] = "dev"
    explainer = open_explainer(load_settings(), use_llm=False)
    answers: dict[str, dict[str, str]] = {}
    for number, item in enumerate(load_eval_set()):
        result = explainer.explain(item["question"])
        data = result.model_dump() if hasattr(result, "model_dump") else dict(result.__dict__)
        answers[f"{number:03d}"] = {
            k: _digest([json.loads(json.dumps(v, sort_keys=True, default=str).replace(str(home), "<home>"))])
            for k, v in data.items()
            if "ms" not in k and "latency" not in k and "seconds" not in k
        }
    return {"questions": len(answers), "answers": answers}


def fingerprint() -> dict[str, Any]:
    """Build the sample in a temporary home and digest what it computed."""
    with tempfile.TemporaryDirectory(prefix="datalive-fingerprint-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "DATALIVE_HOME": str(home), "DA_ENV": "dev"}
        subprocess.run([DATALIVE, "run", "--sample"], env=env, check=True, capture_output=True, text=True)
        backtest = subprocess.run(
            [DATALIVE, "backtest", "--json"], env=env, check=True, capture_output=True, text=True
        ).stdout
        from da_platform.env import load_settings

        os.environ.update({"DATALIVE_HOME": str(home), "DA_ENV": "dev"})
        settings = load_settings()
        return {
            "warehouse": _warehouse(settings.warehouse_path),
            "lake": _lake(Path(settings.lake_root)),
            "backtest": _stable(json.loads(backtest)),
            "evaluation": _evaluation(home),
        }


def _differences(before: Any, after: Any, where: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after)):
            if key == "volatile":
                continue
            if key not in before or key not in after:
                out.append(f"{where}/{key}: only {'after' if key in after else 'before'}")
            else:
                out.extend(_differences(before[key], after[key], f"{where}/{key}"))
        return out
    return [] if before == after else [f"{where}: {before!r} -> {after!r}"[:300]]


def main(argv: list[str] | None = None) -> int:
    """Print the fingerprint as JSON, or compare it with an earlier one (exit 1 on any difference)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="an earlier fingerprint to compare with")
    args = parser.parse_args(argv)
    now = fingerprint()
    if not args.compare:
        print(json.dumps(now, indent=1, sort_keys=True, default=str))
        return 0
    diffs = _differences(json.loads(args.compare.read_text(encoding="utf-8")), json.loads(json.dumps(now, default=str)))
    tables = len(now["warehouse"]) + len(now["lake"])
    print(f"{tables} tables, backtest and {now['evaluation']['questions']} answers compared: {len(diffs)} differences")
    for line in diffs:
        print("  " + line)
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
