"""What each kind of landed file must contain: required and optional columns and their types.

A layout names the columns as the operator's export spells them (the Volve sheet layout) and the
typed bronze column each becomes. Columns a file brings beyond its layout are kept as JSON and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["date", "string", "int", "float"]


@dataclass(frozen=True)
class Column:
    """One source column: its header in the file, its bronze name and its type."""

    source: str
    name: str
    type: ColumnType
    required: bool = False


@dataclass(frozen=True)
class Layout:
    """The contract of one kind of landed file."""

    kind: str
    columns: tuple[Column, ...]
    xlsx_sheets: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        """Source headers that must be present or the file is rejected."""
        return tuple(c.source for c in self.columns if c.required)

    def by_source(self) -> dict[str, Column]:
        """Columns keyed by their normalised source header."""
        return {c.source: c for c in self.columns}


DAILY = Layout(
    kind="daily",
    xlsx_sheets=("Daily Production Data",),
    columns=(
        Column("DATEPRD", "production_date", "date", required=True),
        Column("WELL_BORE_CODE", "wellbore_code", "string", required=True),
        Column("NPD_WELL_BORE_CODE", "npd_wellbore_code", "int"),
        Column("NPD_WELL_BORE_NAME", "npd_wellbore_name", "string"),
        Column("NPD_FIELD_CODE", "npd_field_code", "int"),
        Column("NPD_FIELD_NAME", "npd_field_name", "string"),
        Column("NPD_FACILITY_CODE", "npd_facility_code", "int"),
        Column("NPD_FACILITY_NAME", "npd_facility_name", "string"),
        Column("ON_STREAM_HRS", "on_stream_hrs", "float", required=True),
        Column("AVG_DOWNHOLE_PRESSURE", "avg_downhole_pressure_bar", "float"),
        Column("AVG_DOWNHOLE_TEMPERATURE", "avg_downhole_temperature_c", "float"),
        Column("AVG_DP_TUBING", "avg_dp_tubing_bar", "float"),
        Column("AVG_ANNULUS_PRESS", "avg_annulus_pressure_bar", "float"),
        Column("AVG_CHOKE_SIZE_P", "avg_choke_size_pct", "float"),
        Column("AVG_CHOKE_UOM", "avg_choke_uom", "string"),
        Column("AVG_WHP_P", "avg_whp_bar", "float"),
        Column("AVG_WHT_P", "avg_wht_c", "float"),
        Column("DP_CHOKE_SIZE", "dp_choke_size_bar", "float"),
        Column("BORE_OIL_VOL", "oil_sm3", "float", required=True),
        Column("BORE_GAS_VOL", "gas_sm3", "float", required=True),
        Column("BORE_WAT_VOL", "water_sm3", "float", required=True),
        Column("BORE_WI_VOL", "water_injected_sm3", "float", required=True),
        Column("FLOW_KIND", "flow_kind", "string", required=True),
        Column("WELL_TYPE", "reported_well_type", "string"),
    ),
)

MONTHLY = Layout(
    kind="monthly",
    xlsx_sheets=("Monthly Production Data",),
    columns=(
        Column("WELLBORE_NAME", "well_id", "string", required=True),
        Column("NPD_CODE", "npd_wellbore_code", "int"),
        Column("YEAR", "year", "int", required=True),
        Column("MONTH", "month", "int", required=True),
        Column("ON_STREAM_HRS", "on_stream_hrs", "float"),
        Column("OIL_SM3", "oil_sm3", "float", required=True),
        Column("GAS_SM3", "gas_sm3", "float"),
        Column("WATER_SM3", "water_sm3", "float"),
        Column("GI_SM3", "gi_sm3", "float"),
        Column("WI_SM3", "wi_sm3", "float"),
    ),
)

REGISTER = Layout(
    kind="reference",
    columns=(
        Column("WELL_ID", "well_id", "string", required=True),
        Column("WELLBORE_CODE", "wellbore_code", "string", required=True),
        Column("NPD_WELLBORE_CODE", "npd_wellbore_code", "int"),
        Column("FIELD_ID", "field_id", "string", required=True),
        Column("FACILITY_ID", "facility_id", "string", required=True),
        Column("WELL_TYPE", "well_type", "string", required=True),
        Column("STATUS", "status", "string", required=True),
        Column("VALID_FROM", "valid_from", "date", required=True),
        Column("VALID_TO", "valid_to", "date"),
        Column("TIMEZONE", "timezone", "string", required=True),
    ),
)

# Operator events (downtime with cause, well tests, workovers): kept in raw like every landed byte and
# read by the explanation index (da_platform/rag); the format is described in da_platform/rag/events.py.
EVENTS = Layout(
    kind="events",
    columns=(
        Column("event_id", "event_id", "string", required=True),
        Column("well", "well_id", "string", required=True),
        Column("start", "start", "date", required=True),
        Column("end", "end", "date", required=True),
        Column("category", "category", "string", required=True),
        Column("cause", "cause", "string"),
        Column("comment", "comment", "string"),
        Column("source", "source", "string"),
    ),
)

LAYOUTS: dict[str, Layout] = {layout.kind: layout for layout in (DAILY, MONTHLY, REGISTER, EVENTS)}
