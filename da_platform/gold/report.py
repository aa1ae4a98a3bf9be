"""The daily operational production report, read from gold with parameterised SQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from da_platform.lakehouse.warehouse import Warehouse

_FIELD_SQL = """
SELECT field_id, n_wells_reporting, n_wells_producing, n_wells_injecting, uptime, oil_sm3, gas_sm3,
       water_sm3, water_injected_sm3, water_cut, gor, oil_sm3_ma7, oil_sm3_ma30, prev_day_oil_sm3,
       oil_dod_change_sm3, oil_dod_change_pct
FROM gold.fct_field_daily_production
WHERE production_date = ? AND (? IS NULL OR field_id = ?)
ORDER BY field_id
"""
_WELL_SQL = """
SELECT well_id, field_id, facility_id, well_type, on_stream_hrs, downtime_hrs, uptime, oil_sm3, gas_sm3,
       water_sm3, water_cut, gor, oil_rate_sm3d, oil_sm3_ma7, oil_dod_change_sm3, oil_dod_change_pct,
       avg_downhole_pressure_bar, avg_whp_bar
FROM gold.fct_well_daily_production
WHERE production_date = ? AND (? IS NULL OR field_id = ?)
ORDER BY oil_sm3 DESC NULLS LAST, well_id
"""
_INJECTOR_SQL = """
SELECT well_id, field_id, on_stream_hrs, uptime, water_injected_sm3, water_injected_sm3_ma7
FROM gold.fct_well_daily_injection
WHERE production_date = ? AND (? IS NULL OR field_id = ?)
ORDER BY well_id
"""
_QUARANTINE_SQL = """
SELECT wellbore_code, rule_id, disposition, reason, source_file, source_row
FROM silver.quarantine
WHERE production_date = ?
ORDER BY source_file, source_row
"""


def daily_report(warehouse: Warehouse, day: date, field: str | None = None) -> dict[str, Any]:
    """Field totals, wells ranked by oil, injectors and quarantined rows for one production day."""
    params = [day, field, field]
    fields = warehouse.query(_FIELD_SQL, params).to_dicts()
    wells = warehouse.query(_WELL_SQL, params).to_dicts()
    injectors = warehouse.query(_INJECTOR_SQL, params).to_dicts()
    quarantined = warehouse.query(_QUARANTINE_SQL, [day]).to_dicts()
    movers = sorted(
        (w for w in wells if w["oil_dod_change_sm3"] is not None),
        key=lambda w: abs(w["oil_dod_change_sm3"]),
        reverse=True,
    )[:3]
    return {
        "date": day.isoformat(),
        "field": field,
        "fields": fields,
        "wells": wells,
        "injectors": injectors,
        "top_movers": [{"well_id": w["well_id"], "oil_dod_change_sm3": w["oil_dod_change_sm3"]} for w in movers],
        "quarantined": quarantined,
    }


def _num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def render_text(report: dict[str, Any]) -> str:
    """A plain-text version of the report for the terminal."""
    lines = [f"Daily production report — {report['date']}" + (f" — field {report['field']}" if report["field"] else "")]
    if not report["wells"] and not report["injectors"]:
        lines.append("no production reported for this day")
        return "\n".join(lines)
    for f in report["fields"]:
        lines += [
            "",
            f"{f['field_id']}: oil {_num(f['oil_sm3'])} Sm3 (Δ {_num(f['oil_dod_change_sm3'])} vs previous day, "
            f"7-day avg {_num(f['oil_sm3_ma7'])}), gas {_num(f['gas_sm3'], 0)} Sm3, water {_num(f['water_sm3'])} Sm3, "
            f"injected {_num(f['water_injected_sm3'])} Sm3",
            f"   uptime {_pct(f['uptime'])} · water cut {_pct(f['water_cut'])} · GOR {_num(f['gor'])} · "
            f"{f['n_wells_producing']} of {f['n_wells_reporting']} wells producing",
        ]
    lines += [
        "",
        f"{'well':<14}{'hrs':>6}{'uptime':>8}{'oil Sm3':>11}{'gas Sm3':>12}{'water Sm3':>11}{'WCT':>7}{'Δoil':>10}",
    ]
    for w in report["wells"]:
        lines.append(
            f"{w['well_id']:<14}{_num(w['on_stream_hrs']):>6}{_pct(w['uptime']):>8}{_num(w['oil_sm3']):>11}"
            f"{_num(w['gas_sm3'], 0):>12}{_num(w['water_sm3']):>11}{_pct(w['water_cut']):>7}"
            f"{_num(w['oil_dod_change_sm3']):>10}"
        )
    for i in report["injectors"]:
        lines.append(
            f"{i['well_id']:<14}{_num(i['on_stream_hrs']):>6}{_pct(i['uptime']):>8}"
            f"  injected {_num(i['water_injected_sm3'])} Sm3"
        )
    if report["quarantined"]:
        lines += ["", "quarantined rows for this day:"]
        lines += [
            f"   {q['source_file']} row {q['source_row']}: [{q['rule_id']}] {q['reason']}"
            for q in report["quarantined"]
        ]
    return "\n".join(lines)
