"""Column contracts of the silver tables.

These are the tables the warehouse (DuckDB in dev, Snowflake later) receives from the lake and that
dbt declares as sources. Keeping them in one place lets the cleaning code, the warehouse publisher and
the schema checks agree on names and types.
"""

from __future__ import annotations

import polars as pl

LINEAGE: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_sha256": pl.String(),
    "source_row": pl.Int64(),
}

# The day, the well as the register knew it that day, and its hours: the same in both flows' tables.
WELL_DAY_KEYS: dict[str, pl.DataType] = {
    "production_date": pl.Date(),
    "well_id": pl.String(),
    "wellbore_code": pl.String(),
    "npd_wellbore_code": pl.Int64(),
    "field_id": pl.String(),
    "facility_id": pl.String(),
    "well_type": pl.String(),
    "reported_well_type": pl.String(),
    "day_hours": pl.Float64(),
    "on_stream_hrs": pl.Float64(),
    "downtime_hrs": pl.Float64(),
}

WELL_DAY_PRODUCTION: dict[str, pl.DataType] = {
    **WELL_DAY_KEYS,
    "oil_sm3": pl.Float64(),
    "gas_sm3": pl.Float64(),
    "water_sm3": pl.Float64(),
    "oil_rate_sm3d": pl.Float64(),
    "gas_rate_sm3d": pl.Float64(),
    "water_rate_sm3d": pl.Float64(),
    "avg_downhole_pressure_bar": pl.Float64(),
    "avg_downhole_temperature_c": pl.Float64(),
    "avg_dp_tubing_bar": pl.Float64(),
    "avg_annulus_pressure_bar": pl.Float64(),
    "avg_choke_size_pct": pl.Float64(),
    "avg_whp_bar": pl.Float64(),
    "avg_wht_c": pl.Float64(),
    "dp_choke_size_bar": pl.Float64(),
    **LINEAGE,
}

WELL_DAY_INJECTION: dict[str, pl.DataType] = {
    **WELL_DAY_KEYS,
    "water_injected_sm3": pl.Float64(),
    "avg_whp_bar": pl.Float64(),
    "avg_wht_c": pl.Float64(),
    "avg_annulus_pressure_bar": pl.Float64(),
    **LINEAGE,
}

QUARANTINE: dict[str, pl.DataType] = {
    "production_date": pl.Date(),
    "wellbore_code": pl.String(),
    "rule_id": pl.String(),
    "disposition": pl.String(),  # "rejected" (bad data) or "superseded" (a later report won)
    "reason": pl.String(),
    "oil_sm3": pl.Float64(),
    "gas_sm3": pl.Float64(),
    "water_sm3": pl.Float64(),
    "water_injected_sm3": pl.Float64(),
    "raw_record": pl.String(),  # the source row as JSON text, so nothing is lost
    **LINEAGE,
}

WELL_REGISTER: dict[str, pl.DataType] = {
    "well_id": pl.String(),
    "wellbore_code": pl.String(),
    "npd_wellbore_code": pl.Int64(),
    "field_id": pl.String(),
    "facility_id": pl.String(),
    "well_type": pl.String(),
    "status": pl.String(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),  # null = open-ended
    "timezone": pl.String(),
}

REPORTED_MONTHLY: dict[str, pl.DataType] = {
    "well_id": pl.String(),
    "npd_wellbore_code": pl.Int64(),
    "year": pl.Int32(),
    "month": pl.Int32(),
    "on_stream_hrs": pl.Float64(),
    "oil_sm3": pl.Float64(),
    "gas_sm3": pl.Float64(),
    "water_sm3": pl.Float64(),
    "gi_sm3": pl.Float64(),
    "wi_sm3": pl.Float64(),
    **LINEAGE,
}

# Warehouse table name (schema "silver") for each contract.
WAREHOUSE_TABLES: dict[str, dict[str, pl.DataType]] = {
    "well_day_production": WELL_DAY_PRODUCTION,
    "well_day_injection": WELL_DAY_INJECTION,
    "quarantine": QUARANTINE,
    "well_register": WELL_REGISTER,
    "reported_monthly": REPORTED_MONTHLY,
}
