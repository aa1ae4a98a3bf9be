"""The collected benchmark report (issue 5): every figure of ``make bench`` next to its target, in one file.

Reads what each benchmark wrote under ``bench-results/`` and prints one table; a benchmark that has not
been run is listed as not measured rather than left out. Written to ``bench-results/report.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from benchmarks.results import RESULTS, machine, write_result


def _forecast(r: dict) -> str:
    oil = r.get("oil_only", {}).get("extrapolated_10000_wells_min", "?")
    monthly = r.get("monthly", {}).get("extrapolated_10000_wells_min", "?")
    together = r.get("daily_and_monthly", {}).get("extrapolated_10000_wells_min", "?")
    return (
        f"{r['ms_per_well']} ms per well (3 products, {r.get('workers', 1)} workers); "
        f"{r['extrapolated_10000_wells_min']} min for 10,000 wells ({oil} min oil only; "
        f"the monthly asset {monthly} min more, {together} min together)"
    )


def _explain(r: dict) -> str:
    return f"p50 {r['explain_ms']['p50']} ms, p95 {r['explain_ms']['p95']} ms"


def _insights(r: dict) -> str:
    insights = r["results"]["/insights"]
    return f"{insights['req_per_s']} req/s, p99 {insights['p99_ms']} ms"


def _dagster(r: dict) -> str:
    d = r["dagster"]
    return f"load {d['process_start_and_code_location_load_s']} s, {d['per_noop_asset_ms']} ms per no-op asset"


def _scale(report: dict, wells: int) -> str:
    row = next(r for r in report["throughput"] if r["wells"] == wells)
    pipeline = row["pipeline"]
    return f"{pipeline['wall_s']} ({pipeline['peak_rss_mib']}) / {row['ratio']} [{pipeline['runs']} run(s)]"


def _incremental(report: dict) -> str:
    inc = report["incremental"]
    long = next(v for k, v in inc.items() if k.endswith("_years"))
    return f"{long['new_day']['wall_s']} s / {inc['one_month']['new_day']['wall_s']} s = {inc['ratio']}"


# (benchmark file, figure, how to read it, target)
FIGURES: list[tuple[str, str, Callable[[dict], Any], str]] = [
    ("volve", "Volve land -> gold, median s", lambda r: round(r["datalive_run_volve_s"]["median"], 1), ""),
    ("volve", "Volve one new day, median s", lambda r: round(r["incremental_one_day_s"]["median"], 1), ""),
    ("volve", "Volve whole graph, median s", lambda r: round(r["whole_graph_first_run_s"]["median"], 1), ""),
    ("volve", "Volve whole graph new day, median s", lambda r: round(r["whole_graph_new_day_s"]["median"], 1), ""),
    ("lakehouse_scale", "Dagster overhead", _dagster, ""),
    ("lakehouse_scale", "1,000 wells x 5 y: s (peak MiB) / ratio", lambda r: _scale(r, 1000), "ratio <= 1.5"),
    ("lakehouse_scale", "10,000 wells x 5 y: s (peak MiB) / ratio", lambda r: _scale(r, 10000), "ratio <= 1.5"),
    ("lakehouse_scale", "one new day on 5 y / on 1 month", _incremental, "<= 1.2"),
    ("forecast_speed", "forecasts", _forecast, "10,000 wells < 5 min"),
    ("rag_explain", "explain latency", _explain, "p95 < 300 ms"),
    ("api_load", "/insights", _insights, ">= 500 req/s, p99 < 50 ms"),
]


def main() -> None:
    """Print the report and write it to ``bench-results/report.json``."""
    loaded = {p.stem: json.loads(p.read_text()) for p in RESULTS.glob("*.json") if p.stem != "report"}
    rows = []
    for source, name, read, target in FIGURES:
        try:
            value = read(loaded[source])
        except (KeyError, StopIteration):
            value = "not measured (run its benchmark)"
        rows.append({"figure": name, "value": value, "target": target, "source": f"bench-results/{source}.json"})
    here = machine()
    print(f"DatAlive benchmark report · {here['cores']} cores, {here['memory_gib']} GiB")
    width = max(len(r["figure"]) for r in rows)
    for row in rows:
        target = f"  (target {row['target']})" if row["target"] else ""
        print(f"  {row['figure']:<{width}}  {row['value']}{target}")
    print(f"written to {write_result('report', {'machine': here, 'figures': rows})}")


if __name__ == "__main__":
    main()
