"""The cleaning rules, on the whole bundled Volve daily report and its well register."""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date

import polars as pl
import pytest

from da_platform.ingest.bronze import bronze_rows
from da_platform.ingest.layouts import DAILY, MONTHLY
from da_platform.lakehouse import cleaning
from da_platform.lakehouse.cleaning import (
    RegisterInvalid,
    SilverResult,
    conform_daily,
    conform_monthly,
    conform_register,
    day_length_hours,
    monthly_rejections,
)
from da_platform.lakehouse.quality import values_out_of_range
from tests.unit.conftest import ARRIVED, VOLVE_MONTHLY

VOLVE_ROWS = 15_634
FALL_BACK, SPRING_FORWARD = date(2014, 10, 26), date(2015, 3, 29)


def accepted(result: SilverResult) -> pl.DataFrame:
    return pl.concat([result.production, result.injection], how="diagonal_relaxed")


def test_every_bronze_row_ends_in_exactly_one_destination(volve_silver: SilverResult) -> None:
    destinations = [volve_silver.production, volve_silver.injection, volve_silver.quarantine]
    rows = pl.concat([d.select("source_row") for d in destinations])["source_row"]

    assert sum(d.height for d in destinations) == VOLVE_ROWS
    assert rows.n_unique() == VOLVE_ROWS
    assert sorted(rows.to_list()) == list(range(2, VOLVE_ROWS + 2))


def test_injection_rows_go_to_the_injection_table(volve_bronze: pl.DataFrame, volve_silver: SilverResult) -> None:
    injection_rows = volve_bronze.filter(pl.col("flow_kind") == "injection")["source_row"]

    assert injection_rows.len() == 6_473
    assert sorted(volve_silver.injection["source_row"].to_list()) == sorted(injection_rows.to_list())
    assert not volve_silver.production["source_row"].is_in(injection_rows.implode()).any()


def test_sentinel_zero_downhole_pressure_becomes_null(volve_bronze: pl.DataFrame, volve_silver: SilverResult) -> None:
    zero_rows = volve_bronze.filter((pl.col("flow_kind") == "production") & (pl.col("avg_downhole_pressure_bar") == 0))[
        "source_row"
    ]
    were_zero = volve_silver.production.filter(pl.col("source_row").is_in(zero_rows.implode()))

    assert zero_rows.len() == 2_312
    assert were_zero.height == zero_rows.len() - 1  # row 3504 also has negative water: quarantined
    assert were_zero["avg_downhole_pressure_bar"].null_count() == were_zero.height
    assert (volve_silver.production["avg_downhole_pressure_bar"] == 0).sum() == 0


def test_real_downhole_pressure_is_kept(volve_silver: SilverResult) -> None:
    row = volve_silver.production.filter(pl.col("source_row") == 6)  # 15/9-F-1 C, 2014-04-11

    assert row["avg_downhole_pressure_bar"].to_list() == [310.37614]


def test_rates_are_null_below_six_producing_hours(volve_silver: SilverResult) -> None:
    short_days = volve_silver.production.filter(pl.col("on_stream_hrs") < 6)
    one_hour = short_days.filter(pl.col("source_row") == 291)  # 15/9-F-1 C, 2015-01-21: 1 h, 7.64 Sm3 oil

    assert one_hour["oil_sm3"].to_list() == [7.64]
    assert one_hour["oil_rate_sm3d"].to_list() == [None]
    assert short_days.height > 0
    assert (
        short_days.select("oil_rate_sm3d", "gas_rate_sm3d", "water_rate_sm3d").null_count().row(0)
        == (short_days.height,) * 3
    )


def test_rates_are_volumes_scaled_to_24_hours_from_six_hours_on(volve_silver: SilverResult) -> None:
    producing = volve_silver.production.filter(pl.col("on_stream_hrs") >= 6)
    half_day = producing.filter(pl.col("source_row") == 271)  # 15/9-F-1 C, 2015-01-01: 9.5 h, 94.01 Sm3 oil

    assert half_day["oil_rate_sm3d"].to_list() == [pytest.approx(94.01 * 24 / 9.5)]
    scaled = producing.select(
        expected=pl.col("oil_sm3") * 24 / pl.col("on_stream_hrs"), actual=pl.col("oil_rate_sm3d")
    ).filter(pl.col("expected").is_not_null())
    assert scaled.height > 5_000  # most Volve production days
    assert ((scaled["expected"] - scaled["actual"]).abs() < 1e-9).all()


@pytest.mark.parametrize(
    ("day", "hours"), [(FALL_BACK, 25.0), (SPRING_FORWARD, 23.0), (date(2015, 3, 30), 24.0), (date(2014, 10, 27), 24.0)]
)
def test_day_length_follows_europe_oslo_daylight_saving(day: date, hours: float) -> None:
    assert day_length_hours(day, "Europe/Oslo") == hours


@pytest.mark.parametrize(("day", "hours"), [(FALL_BACK, 25.0), (SPRING_FORWARD, 23.0)])
def test_well_days_carry_the_local_day_length(volve_silver: SilverResult, day: date, hours: float) -> None:
    on_day = accepted(volve_silver).filter(pl.col("production_date") == day)

    assert on_day.height == 7  # five producers, two injectors
    assert on_day["day_hours"].unique().to_list() == [hours]


def test_25_hour_reports_on_the_fall_back_day_are_accepted(volve_silver: SilverResult) -> None:
    full_day = accepted(volve_silver).filter(pl.col("production_date") == FALL_BACK, pl.col("on_stream_hrs") == 25.0)

    assert full_day.height == 6
    assert full_day["downtime_hrs"].unique().to_list() == [0.0]
    assert volve_silver.quarantine.filter(pl.col("rule_id") == "HOURS_OUT_OF_RANGE").height == 0


def test_24_hours_reported_on_the_23_hour_day_are_accepted(volve_silver: SilverResult) -> None:
    spring = accepted(volve_silver).filter(pl.col("production_date") == SPRING_FORWARD)

    assert spring.filter(pl.col("on_stream_hrs") == 24.0).height == 7
    assert spring["downtime_hrs"].unique().to_list() == [0.0]


def test_25_hours_on_an_ordinary_day_are_out_of_range(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    header = volve_daily_lines[0]
    fall_back_report = volve_daily_lines[203]  # 15/9-F-1 C, 2014-10-26, 25 h
    ordinary_day = fall_back_report.replace("2014-10-26", "2014-10-27", 1)

    result = conform_daily(make_bronze([header, ordinary_day], "daily_2014-10-27.csv"), volve_register)

    assert result.quarantine.select("source_row", "rule_id").rows() == [(2, "HOURS_OUT_OF_RANGE")]
    assert "ON_STREAM_HRS 25.0 outside 0..24" in result.quarantine["reason"][0]


def test_well_type_comes_from_the_register_interval_of_the_day(volve_silver: SilverResult) -> None:
    f5 = accepted(volve_silver).filter(pl.col("well_id") == "15/9-F-5")
    switch = date(2016, 4, 12)

    assert f5.filter(pl.col("production_date") < switch)["well_type"].unique().to_list() == ["WI"]
    assert f5.filter(pl.col("production_date") >= switch)["well_type"].unique().to_list() == ["OP"]
    assert f5.filter(pl.col("production_date") == date(2016, 4, 11))["well_type"].to_list() == ["WI"]
    assert f5.filter(pl.col("production_date") == switch)["well_type"].to_list() == ["OP"]


def test_negative_water_rows_are_quarantined_with_their_source_rows(volve_silver: SilverResult) -> None:
    quarantine = volve_silver.quarantine

    assert quarantine.select("source_row", "rule_id", "disposition").sort("source_row").rows() == [
        (1984, "VOLUME_NEGATIVE", "rejected"),
        (3504, "VOLUME_NEGATIVE", "rejected"),
        (5352, "VOLUME_NEGATIVE", "rejected"),
        (6560, "VOLUME_NEGATIVE", "rejected"),
    ]
    assert quarantine["source_file"].unique().to_list() == ["volve_daily_production.csv"]
    assert (quarantine["water_sm3"] < 0).all()


def test_quarantine_keeps_the_whole_source_record(volve_silver: SilverResult) -> None:
    record = volve_silver.quarantine.filter(pl.col("source_row") == 1984)["raw_record"].str.json_decode().item()

    assert record["production_date"] == "2008-04-23"
    assert record["wellbore_code"] == "NO 15/9-F-12 H"
    assert record["water_sm3"] < 0


def test_empty_wellbore_code_is_quarantined_as_unknown(
    volve_daily_lines: tuple[str, ...], make_bronze, volve_register: pl.DataFrame
) -> None:
    header, day = volve_daily_lines[0], volve_daily_lines[2000]

    result = conform_daily(make_bronze([header, day.replace("NO 15/9-F-12 H", "", 1)]), volve_register)

    assert result.quarantine.select("source_row", "rule_id").rows() == [(2, "WELL_UNKNOWN")]
    assert result.quarantine["reason"][0] == "wellbore (empty) is not in the well register"


# --- the well register -------------------------------------------------------------------------------------

# Register lines: 0 header, 1 F-4, 2 F-5 as WI until 2016-04-11, 3 F-5 as OP from 2016-04-12, 4 F-12, ...


def test_register_with_overlapping_intervals_is_rejected_naming_the_row(
    volve_register_lines: tuple[str, ...], make_register
) -> None:
    lines = list(volve_register_lines)
    lines[3] = lines[3].replace("2016-04-12", "2016-04-01")  # OP from 2016-04-01, while still WI until 04-11

    with pytest.raises(RegisterInvalid) as invalid:
        conform_register(make_register(lines))

    assert "row 4: interval from 2016-04-01 overlaps an earlier one of NO 15/9-F-5 AH" in str(invalid.value)


def test_register_with_an_open_interval_before_another_is_rejected(
    volve_register_lines: tuple[str, ...], make_register
) -> None:
    lines = list(volve_register_lines)
    lines[2] = lines[2].replace("2016-04-11", "")  # the WI interval never ends

    with pytest.raises(RegisterInvalid) as invalid:
        conform_register(make_register(lines))

    assert "row 4: interval from 2016-04-12 overlaps" in str(invalid.value)


@pytest.mark.parametrize("zone", ["Europe/Olso", "Europe", "CEST"])
def test_register_with_an_unknown_time_zone_is_rejected_naming_the_row(
    volve_register_lines: tuple[str, ...], make_register, zone: str
) -> None:
    lines = list(volve_register_lines)
    lines[5] = lines[5].replace("Europe/Oslo", zone)

    with pytest.raises(RegisterInvalid) as invalid:
        conform_register(make_register(lines))

    assert f"row 6: timezone {zone!r} is not an IANA time zone" in str(invalid.value)


def test_register_interval_ending_before_it_starts_is_rejected(
    volve_register_lines: tuple[str, ...], make_register
) -> None:
    lines = list(volve_register_lines)
    lines[2] = lines[2].replace("2016-04-11", "2006-04-11")

    with pytest.raises(RegisterInvalid) as invalid:
        conform_register(make_register(lines))

    assert "row 3: valid_to 2006-04-11 is before valid_from 2007-09-01" in str(invalid.value)


def test_register_row_without_valid_from_is_rejected(volve_register_lines: tuple[str, ...], make_register) -> None:
    lines = list(volve_register_lines)
    lines[4] = lines[4].replace("2008-02-12", "")

    with pytest.raises(RegisterInvalid) as invalid:
        conform_register(make_register(lines))

    assert "row 5: no value for valid_from" in str(invalid.value)


def test_bundled_register_conforms_with_normalised_wellbore_codes(volve_register: pl.DataFrame) -> None:
    assert volve_register.height == 8
    assert volve_register.filter(pl.col("well_id") == "15/9-F-5")["well_type"].to_list() == ["WI", "OP"]


# --- range rules: no value that passes silver can break gold ------------------------------------------------

PRODUCING_DAY = 2000  # 15/9-F-12 H, 2008-05-11: 24 h, 3,701.51 Sm3 oil, every pressure and temperature set
INJECTING_DAY = 9237  # 15/9-F-4 AH, 2008-04-23: 166.08 Sm3 water injected


def with_cells(header: str, line: str, **cells: str) -> str:
    """``line`` with the named columns (headers as the file spells them) set to new text."""
    names, values = header.split(","), line.split(",")
    for name, text in cells.items():
        values[names.index(name)] = text
    return ",".join(values)


def conform_one(volve_daily_lines, make_bronze, register: pl.DataFrame, row: int, **cells: str) -> SilverResult:
    header = volve_daily_lines[0]
    return conform_daily(make_bronze([header, with_cells(header, volve_daily_lines[row], **cells)]), register)


@pytest.mark.parametrize(
    ("cells", "rule", "says"),
    [
        ({"BORE_OIL_VOL": "1e308"}, "VOLUME_OUT_OF_RANGE", "BORE_OIL_VOL=1e+308 (allowed 0..50,000 Sm3)"),
        ({"BORE_GAS_VOL": "50000001"}, "VOLUME_OUT_OF_RANGE", "BORE_GAS_VOL=50000001.0 (allowed 0..50,000,000 Sm3)"),
        ({"BORE_WAT_VOL": "50000.5"}, "VOLUME_OUT_OF_RANGE", "BORE_WAT_VOL=50000.5"),
        (
            {"AVG_DOWNHOLE_PRESSURE": "1e9"},
            "PRESSURE_OUT_OF_RANGE",
            "AVG_DOWNHOLE_PRESSURE=1000000000.0 (allowed 0..2,000 bar)",
        ),
        ({"AVG_WHP_P": "-2"}, "PRESSURE_OUT_OF_RANGE", "AVG_WHP_P=-2.0 (allowed -1.01325..2,000 bar)"),
        ({"AVG_ANNULUS_PRESS": "2500"}, "PRESSURE_OUT_OF_RANGE", "AVG_ANNULUS_PRESS=2500.0"),
        ({"AVG_DP_TUBING": "-2001"}, "PRESSURE_OUT_OF_RANGE", "AVG_DP_TUBING=-2001.0"),
        ({"DP_CHOKE_SIZE": "1e300"}, "PRESSURE_OUT_OF_RANGE", "DP_CHOKE_SIZE=1e+300"),
        ({"AVG_DOWNHOLE_TEMPERATURE": "450"}, "TEMPERATURE_OUT_OF_RANGE", "AVG_DOWNHOLE_TEMPERATURE=450.0"),
        ({"AVG_WHT_P": "-80"}, "TEMPERATURE_OUT_OF_RANGE", "AVG_WHT_P=-80.0 (allowed -60..400 C)"),
        ({"AVG_CHOKE_SIZE_P": "100.5"}, "CHOKE_OUT_OF_RANGE", "AVG_CHOKE_SIZE_P=100.5 (allowed 0..100 %)"),
    ],
)
def test_a_value_outside_its_physical_range_is_quarantined_with_its_rule(
    volve_daily_lines, make_bronze, volve_register: pl.DataFrame, cells: dict, rule: str, says: str
) -> None:
    result = conform_one(volve_daily_lines, make_bronze, volve_register, PRODUCING_DAY, **cells)

    assert result.production.height == 0
    assert result.quarantine.select("source_row", "rule_id", "disposition").rows() == [(2, rule, "rejected")]
    assert says in result.quarantine["reason"][0]


def test_injected_water_above_the_well_day_bound_is_quarantined(
    volve_daily_lines, make_bronze, volve_register: pl.DataFrame
) -> None:
    result = conform_one(volve_daily_lines, make_bronze, volve_register, INJECTING_DAY, BORE_WI_VOL="60000")

    assert result.injection.height == 0
    assert result.quarantine["rule_id"].to_list() == ["VOLUME_OUT_OF_RANGE"]
    assert "BORE_WI_VOL=60000.0" in result.quarantine["reason"][0]


def test_values_at_their_bounds_are_accepted(volve_daily_lines, make_bronze, volve_register: pl.DataFrame) -> None:
    result = conform_one(
        volve_daily_lines,
        make_bronze,
        volve_register,
        PRODUCING_DAY,
        BORE_OIL_VOL="50000",
        BORE_GAS_VOL="50000000",
        AVG_DOWNHOLE_PRESSURE="2000",
        AVG_WHP_P="-1.01325",
        AVG_WHT_P="-60",
        AVG_CHOKE_SIZE_P="100",
    )

    assert result.quarantine.height == 0
    assert result.production.select("oil_sm3", "gas_sm3", "avg_whp_bar").rows() == [(50_000.0, 5e7, -1.01325)]


@pytest.mark.parametrize("column", ["ON_STREAM_HRS", "BORE_OIL_VOL", "AVG_DOWNHOLE_PRESSURE", "AVG_WHT_P"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_number_is_quarantined_as_not_finite(
    volve_daily_lines, make_bronze, volve_register: pl.DataFrame, column: str, value: float
) -> None:
    # Bronze's CSV parser already refuses "nan" and "inf" text; other readers (XLSX, Spark) can still
    # hand silver a NaN, so the rule is checked on the bronze frame itself.
    header = volve_daily_lines[0]
    bronze = make_bronze([header, volve_daily_lines[PRODUCING_DAY]])
    name = {c.source: c.name for c in DAILY.columns}[column]
    bronze = bronze.with_columns(pl.lit(value).alias(name))

    result = conform_daily(bronze, volve_register)

    assert result.production.height == 0
    assert result.quarantine["rule_id"].to_list() == ["VALUE_NOT_FINITE"]
    assert result.quarantine["reason"][0].startswith(f"not a finite number: {column}=")


def test_negative_zero_is_accepted_and_stored_as_zero(
    volve_daily_lines, make_bronze, volve_register: pl.DataFrame
) -> None:
    result = conform_one(volve_daily_lines, make_bronze, volve_register, PRODUCING_DAY, BORE_OIL_VOL="-0")

    assert result.quarantine.height == 0
    oil = result.production["oil_sm3"].item()
    assert oil == 0.0 and math.copysign(1.0, oil) == 1.0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("well_id", '=HYPERLINK("http://example.org","click")'),
        ("well_id", "<script>alert(1)</script>"),
        ("field_id", "+VOLVE"),
        ("facility_id", "@SUM(A1)"),
        ("well_id", "x" * 65),
    ],
)
def test_a_register_id_outside_the_id_pattern_rejects_the_register_naming_row_and_rule(
    volve_register_lines: tuple[str, ...], make_register, column: str, value: str
) -> None:
    header = volve_register_lines[0].split(",")
    cells = volve_register_lines[4].split(",")  # 15/9-F-12, source row 5
    cells[header.index(column)] = f'"{value.replace(chr(34), chr(34) * 2)}"'
    lines = [*volve_register_lines[:4], ",".join(cells), *volve_register_lines[5:]]

    with pytest.raises(RegisterInvalid) as invalid:
        conform_register(make_register(lines))

    assert f"row 5: REGISTER_ID_INVALID: {column} " in str(invalid.value)


def test_register_ids_as_npd_writes_them_are_valid(volve_register: pl.DataFrame) -> None:
    ids = volve_register.select("well_id", "field_id", "facility_id").unique()

    assert "MÆRSK INSPIRER" in ids["facility_id"].to_list() and "15/9-F-15 D" in ids["well_id"].to_list()


def test_a_quarantined_volume_beyond_any_well_day_is_null_and_kept_in_the_raw_record(
    volve_daily_lines, make_bronze, volve_register: pl.DataFrame
) -> None:
    # Gold sums quarantined volumes to explain reconciliation gaps: 1e308 there would break its casts.
    result = conform_one(volve_daily_lines, make_bronze, volve_register, PRODUCING_DAY, BORE_OIL_VOL="1e308")

    row = result.quarantine.row(0, named=True)
    assert row["oil_sm3"] is None and row["gas_sm3"] == 567340.44
    assert row["raw_record"] is not None and json.loads(row["raw_record"])["oil_sm3"] == 1e308


def test_the_range_check_passes_on_conformed_volve_and_names_what_a_bad_writer_left(
    volve_silver: SilverResult,
) -> None:
    assert values_out_of_range(volve_silver.production) == []
    assert values_out_of_range(volve_silver.injection) == []

    bad = volve_silver.production.head(3).with_columns(
        oil_sm3=pl.Series([1e308, float("nan"), 10.0]), avg_whp_bar=pl.Series([1.0, 2.0, 1e5])
    )

    assert values_out_of_range(bad) == [
        "oil_sm3: 1 not finite",
        "oil_sm3: 2 outside 0..50000 Sm3",  # NaN compares above every number in polars
        "avg_whp_bar: 1 outside -1.01325..2000 bar",
    ]


# --- the reported monthly sheet ------------------------------------------------------------------------------

MONTHLY_LINES = (
    "WELLBORE_NAME,NPD_CODE,YEAR,MONTH,ON_STREAM_HRS,OIL_SM3,GAS_SM3,WATER_SM3,GI_SM3,WI_SM3",
    "15/9-F-1 C,7405.0,2014,5,733.83334,24901.95,3496229.65,783.48,,",  # real, kept
    "15/9-F-11,7078.0,2014,5,731.5,1e308,4902619.28,5017.47,,",
    "15/9-F-12,5599.0,2014,5,746,100.0,1000.0,10.0,,",
    "15/9-F-14,5351.0,2014,5,700,100.0,1000.0,10.0,,-1e307",
)


def monthly_bronze(lines: tuple[str, ...]) -> pl.DataFrame:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    frame, _ = bronze_rows(data, MONTHLY, "monthly.csv", hashlib.sha256(data).hexdigest(), 1, ARRIVED)
    return frame


def test_reported_months_beyond_31_well_days_are_rejected_with_their_rule() -> None:
    rejected = monthly_rejections(monthly_bronze(MONTHLY_LINES))

    assert rejected.select("source_row", "well_id", "rule_id").rows() == [
        (3, "15/9-F-11", "MONTHLY_VALUE_OUT_OF_RANGE"),
        (4, "15/9-F-12", "MONTHLY_VALUE_OUT_OF_RANGE"),
        (5, "15/9-F-14", "MONTHLY_VALUE_OUT_OF_RANGE"),
    ]
    assert rejected["reason"].to_list() == [
        "beyond 31 well-days: OIL_SM3=1e+308",
        "beyond 31 well-days: ON_STREAM_HRS=746.0",
        "beyond 31 well-days: WI_SM3=-1e+307",
    ]


def test_rejected_reported_months_are_left_out_of_silver() -> None:
    monthly = conform_monthly(monthly_bronze(MONTHLY_LINES))

    assert monthly["well_id"].to_list() == ["15/9-F-1 C"]


def test_the_bundled_monthly_sheet_has_no_rejected_rows(volve_reported_monthly: pl.DataFrame) -> None:
    data = VOLVE_MONTHLY.read_bytes()
    frame, _ = bronze_rows(data, MONTHLY, VOLVE_MONTHLY.name, hashlib.sha256(data).hexdigest(), 1, ARRIVED)

    assert monthly_rejections(frame).height == 0
    assert volve_reported_monthly.height == frame.height


DAILY_STEPS = (cleaning._reject_identity, cleaning._keep_latest_report, cleaning._reject_values)
NOT_DAILY_STEPS = {"REGISTER_ID_INVALID", "MONTHLY_VALUE_OUT_OF_RANGE"}  # the register's and the monthly sheet's


def _rules_named(step) -> list[str]:
    named = re.findall(r"``([A-Z_]+)``", step.__doc__)
    if "each range rule of :data:`VALUE_BOUNDS`" in step.__doc__:
        named += list(dict.fromkeys(b.rule for b in cleaning.VALUE_BOUNDS.values()))
    return named


def test_the_steps_of_conform_daily_name_every_rule_of_a_dated_row_once() -> None:
    named = [rule for step in DAILY_STEPS for rule in _rules_named(step)]
    before_a_partition = {r for r in cleaning.RULES if r.startswith(("FILE_", "DATE_"))}

    assert sorted(named) == sorted(set(cleaning.RULES) - before_a_partition - NOT_DAILY_STEPS)


def test_each_step_of_conform_daily_quarantines_only_by_its_own_rules_and_loses_no_row(
    volve_bronze: pl.DataFrame, volve_register: pl.DataFrame
) -> None:
    rows = cleaning._match_register(volve_bronze, volve_register)
    candidates, identity = cleaning._reject_identity(rows, volve_register)
    winners, superseded = cleaning._keep_latest_report(candidates)
    accepted_rows, values = cleaning._reject_values(winners)

    assert rows.height == volve_bronze.height == candidates.height + identity.height
    assert candidates.height == winners.height + superseded.height
    assert winners.height == accepted_rows.height + values.height
    for step, quarantined in zip(DAILY_STEPS, (identity, superseded, values), strict=True):
        assert set(quarantined["rule_id"]) <= set(_rules_named(step))
    assert values.height > 0  # Volve's negative volumes: the value step is exercised, not only passed through
