"""Bronze → silver: the cleaning rules, as pure functions over polars frames.

Every bronze row ends in exactly one place: ``well_day_production``, ``well_day_injection`` or the
quarantine (with the rule that sent it there, a reason and its source file and row). Rules, in order:

- parse errors from bronze (bad numbers or dates, wrong field count) reject the row;
- the wellbore must be in the well register, active on that day, with a matching NPD code;
- duplicates of a well-day: the latest report wins (latest arrival, then latest row), the others are
  kept in quarantine as ``superseded``;
- on-stream hours must lie in 0..max(24 h, length of the local day): 25 h on the day clocks go back;
- volumes must not be negative; the flow kind must be production or injection;
- every number must be finite and inside its physical range (:data:`VALUE_BOUNDS`), so that no value
  that passes silver can break gold (a ``1e308`` volume cannot be cast to DECIMAL(38, 9)).
Accepted rows get canonical keys from the register, sentinel zeros (downhole pressure or temperature
exactly 0) become null, and production rows get rates per producing day (volume scaled to 24 h, only
for days with at least ``MIN_PRODUCING_HOURS`` on stream). Missing on-stream hours (285 Volve rows)
are kept as unknown: the volumes are real, uptime and rates stay null rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from da_platform.identifiers import ID_PATTERN, is_valid_id
from da_platform.ingest.layouts import DAILY, MONTHLY, REGISTER
from da_platform.lakehouse import silver_schema as schema

MIN_PRODUCING_HOURS = 6.0
SENTINEL_ZERO_COLUMNS = ("avg_downhole_pressure_bar", "avg_downhole_temperature_c")
VOLUME_COLUMNS = ("oil_sm3", "gas_sm3", "water_sm3", "water_injected_sm3")


@dataclass(frozen=True)
class Bound:
    """The plausible range of one numeric well-day column and the rule a value outside it breaks."""

    rule: str
    low: float
    high: float
    unit: str


# Bounds per well-day, chosen far outside any real well (so no real report is quarantined) and far inside
# what gold can hold: the marts sum volumes as DECIMAL(38, 9), which holds < 1e29, and the largest of
# those sums (a whole history: 100,000 wells x 100 years x 50 million Sm3 gas a day) stays below 2e18.
# Volve's largest values, for scale: oil 5,902, gas 851,132, water 8,020, injected water 10,014 Sm3;
# downhole pressure 398 bar, downhole temperature 108.5 C, wellhead pressure 137 bar, choke 100 %.
_VOLUME_MAX = 50_000.0  # Sm3 liquid a day: ~315,000 bbl/d, several times the most prolific wells on record
_GAS_MAX = 50_000_000.0  # Sm3 gas a day: the largest gas wells flow ~5-10 million Sm3/d
_PRESSURE_MAX = 2_000.0  # bar: above the deepest ultra-HPHT reservoirs (~1,400 bar, 20,000 psi)
_VACUUM = -1.01325  # bar gauge: a full vacuum; annulus and wellhead gauges can read slightly below 0
_TEMPERATURE = (-60.0, 400.0)  # C: an arctic wellhead in winter up to steam injection (~350 C)
VALUE_BOUNDS: dict[str, Bound] = {
    "oil_sm3": Bound("VOLUME_OUT_OF_RANGE", 0.0, _VOLUME_MAX, "Sm3"),
    "gas_sm3": Bound("VOLUME_OUT_OF_RANGE", 0.0, _GAS_MAX, "Sm3"),
    "water_sm3": Bound("VOLUME_OUT_OF_RANGE", 0.0, _VOLUME_MAX, "Sm3"),
    "water_injected_sm3": Bound("VOLUME_OUT_OF_RANGE", 0.0, _VOLUME_MAX, "Sm3"),
    "avg_downhole_pressure_bar": Bound("PRESSURE_OUT_OF_RANGE", 0.0, _PRESSURE_MAX, "bar"),  # absolute
    "avg_annulus_pressure_bar": Bound("PRESSURE_OUT_OF_RANGE", _VACUUM, _PRESSURE_MAX, "bar"),
    "avg_whp_bar": Bound("PRESSURE_OUT_OF_RANGE", _VACUUM, _PRESSURE_MAX, "bar"),
    # Differences across the tubing and the choke: normally positive, a drifting gauge pair can invert them.
    "avg_dp_tubing_bar": Bound("PRESSURE_OUT_OF_RANGE", -_PRESSURE_MAX, _PRESSURE_MAX, "bar"),
    "dp_choke_size_bar": Bound("PRESSURE_OUT_OF_RANGE", -_PRESSURE_MAX, _PRESSURE_MAX, "bar"),
    "avg_downhole_temperature_c": Bound("TEMPERATURE_OUT_OF_RANGE", *_TEMPERATURE, "C"),
    "avg_wht_c": Bound("TEMPERATURE_OUT_OF_RANGE", *_TEMPERATURE, "C"),
    "avg_choke_size_pct": Bound("CHOKE_OUT_OF_RANGE", 0.0, 100.0, "%"),  # the contract's unit is percent
}
# Every float column of a daily report: all must be finite (hours are bounded by the day, below).
FLOAT_COLUMNS = tuple(c.name for c in DAILY.columns if c.type == "float")
_SOURCE_NAME = {c.name: c.source for c in DAILY.columns}

RULES: dict[str, str] = {
    "FILE_EMPTY": "the file is empty",
    "FILE_ENCODING": "the file is not UTF-8",
    "FILE_FORMAT": "the file is not a readable CSV or XLSX",
    "FILE_MALFORMED": "the CSV cannot be tokenised",
    "FILE_MISSING_COLUMN": "a required column is missing",
    "PARSE_ERROR": "a value could not be parsed or the row has the wrong number of fields",
    "DATE_MISSING": "the row has no usable production date",
    "DATE_BEFORE_START": "the production date is before the first partition",
    "DATE_IN_FUTURE": "the production date is after the day the report was processed",
    "WELL_UNKNOWN": "the wellbore is not in the well register",
    "WELL_NOT_ACTIVE": "the wellbore is in the register but not active on that date",
    "WELL_CODE_MISMATCH": "the NPD wellbore code disagrees with the register",
    "DUPLICATE_SUPERSEDED": "a later report for the same well-day replaced this row",
    "HOURS_OUT_OF_RANGE": "on-stream hours below 0 or above the length of the local day",
    "VOLUME_NEGATIVE": "a produced or injected volume is negative",
    "FLOW_KIND_INVALID": "flow kind is neither production nor injection",
    "VALUE_NOT_FINITE": "a number is NaN or infinite",
    "VOLUME_OUT_OF_RANGE": "a volume is above the physical bound of a well-day",
    "PRESSURE_OUT_OF_RANGE": "a pressure is outside the plausible range",
    "TEMPERATURE_OUT_OF_RANGE": "a temperature is outside the plausible range",
    "CHOKE_OUT_OF_RANGE": "the choke opening is outside 0..100 %",
    "REGISTER_ID_INVALID": "a register well, field or facility id does not match the id pattern",
    "MONTHLY_VALUE_OUT_OF_RANGE": "a reported monthly value is beyond what 31 well-days can hold",
}
# Ids that become canonical keys in silver and gold, and filters in the API.
REGISTER_ID_COLUMNS = ("well_id", "field_id", "facility_id")
REJECTED, SUPERSEDED = "rejected", "superseded"


class RegisterInvalid(ValueError):
    """The landed well register breaks its own rules; nothing is conformed against it."""


@dataclass
class SilverResult:
    """The three destinations of a window of bronze rows."""

    production: pl.DataFrame
    injection: pl.DataFrame
    quarantine: pl.DataFrame

    @classmethod
    def empty(cls) -> SilverResult:
        """A window with no bronze rows: three empty tables in their contracts."""
        return cls(
            production=pl.DataFrame(schema=schema.WELL_DAY_PRODUCTION),
            injection=pl.DataFrame(schema=schema.WELL_DAY_INJECTION),
            quarantine=pl.DataFrame(schema=schema.QUARANTINE),
        )


def normalise_wellbore(code: pl.Expr) -> pl.Expr:
    """Compare wellbore codes ignoring case and repeated spaces (``no 15/9-F-12  h`` is ``NO 15/9-F-12 H``)."""
    return code.str.strip_chars().str.replace_all(r"\s+", " ").str.to_uppercase()


def day_length_hours(day: date, timezone: str) -> float:
    """Hours between local midnights: 24, or 23/25 on daylight-saving changes."""
    tz = ZoneInfo(timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return (end.timestamp() - start.timestamp()) / 3600.0


def quarantine_rows(
    rows: pl.DataFrame, rule: pl.Expr | str, reason: pl.Expr | str, disposition: str = REJECTED
) -> pl.DataFrame:
    """Shape rejected bronze rows as quarantine records, keeping the full source record as JSON."""
    if rows.height == 0:
        return pl.DataFrame(schema=schema.QUARANTINE)
    record_columns = [c for c in rows.columns if not c.startswith("_") and c not in ("raw_record",)]
    raw = (
        pl.coalesce(pl.col("raw_record"), pl.struct(record_columns).struct.json_encode())
        if "raw_record" in rows.columns
        else pl.struct(record_columns).struct.json_encode()
    )
    out = rows.with_columns(
        rule_id=rule if isinstance(rule, pl.Expr) else pl.lit(rule),
        reason=reason if isinstance(reason, pl.Expr) else pl.lit(reason),
        disposition=pl.lit(disposition),
        raw_record=raw,
    )
    for column, dtype in schema.QUARANTINE.items():
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(column))
    # Gold sums the quarantine's volumes to explain reconciliation gaps, so a value no well-day can hold
    # (non-finite, or beyond the well-day bound either way) is null there; raw_record keeps it as landed.
    # Negative volumes within the bound stay: they are what explains Volve's four gaps.
    out = out.with_columns(
        [
            pl.when(pl.col(c).is_finite() & (pl.col(c).abs() <= VALUE_BOUNDS[c].high)).then(pl.col(c)).alias(c)
            for c in VOLUME_COLUMNS
        ]
    )
    return out.select([pl.col(c).cast(t) for c, t in schema.QUARANTINE.items()])


def file_rejection(file_name: str, sha256: str, rule: str, message: str, row: int | None) -> pl.DataFrame:
    """One quarantine record for a whole file that could not be parsed."""
    frame = pl.DataFrame(
        {"source_file": [file_name], "source_sha256": [sha256], "source_row": [row]},
        schema={"source_file": pl.String(), "source_sha256": pl.String(), "source_row": pl.Int64()},
    )
    return quarantine_rows(frame, rule, message)


def admission_rejects(bronze: pl.DataFrame, first_day: date, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split rows that can be placed on a daily partition from those that cannot.

    Returns ``(dated, rejected)``: rows without a date, before the first partition or after ``as_of``
    never reach a partition, so they are quarantined here, at ingestion.
    """
    day = pl.col("production_date")
    rule = (
        pl.when(day.is_null())
        .then(pl.lit("DATE_MISSING"))
        .when(day < first_day)
        .then(pl.lit("DATE_BEFORE_START"))
        .when(day > as_of)
        .then(pl.lit("DATE_IN_FUTURE"))
        .otherwise(None)
    )
    tagged = bronze.with_columns(_rule=rule)
    rejected = tagged.filter(pl.col("_rule").is_not_null())
    reason = (
        pl.when(pl.col("_rule") == "DATE_MISSING")
        .then(pl.concat_str(pl.lit("no usable DATEPRD: "), pl.col("parse_errors").fill_null("empty")))
        .when(pl.col("_rule") == "DATE_BEFORE_START")
        .then(pl.concat_str(pl.lit("DATEPRD "), day.cast(pl.String), pl.lit(f" is before {first_day.isoformat()}")))
        .otherwise(pl.concat_str(pl.lit("DATEPRD "), day.cast(pl.String), pl.lit(f" is after {as_of.isoformat()}")))
    )
    return (
        tagged.filter(pl.col("_rule").is_null()).drop("_rule"),
        quarantine_rows(rejected, pl.col("_rule"), reason),
    )


def conform_register(bronze_register: pl.DataFrame) -> pl.DataFrame:
    """Validate the landed well register and return it in the silver contract.

    Raises :class:`RegisterInvalid` naming the rows for parse errors, ids that break the id pattern
    (``REGISTER_ID_INVALID``), unknown time zones, an interval that ends before it starts, or two
    intervals of the same wellbore that overlap.

    A bad register row rejects the whole register rather than going to quarantine on its own: the
    register is reference data, the source of every canonical key. Conforming against it without the row
    would silently turn that well's days into ``WELL_UNKNOWN`` quarantine; failing keeps the last good
    register in silver and says which row to fix.
    """
    problems: list[str] = []
    for row in bronze_register.filter(pl.col("parse_errors").is_not_null()).iter_rows(named=True):
        problems.append(f"row {row['source_row']}: {row['parse_errors']}")
    required = [c.name for c in REGISTER.columns if c.required and c.name != "timezone"]  # timezone: checked below
    for row in bronze_register.filter(pl.col("parse_errors").is_null()).iter_rows(named=True):
        if empty := [c for c in required if row[c] is None]:
            problems.append(f"row {row['source_row']}: no value for {', '.join(empty)}")
    for row in bronze_register.iter_rows(named=True):
        for column in REGISTER_ID_COLUMNS:
            value = row[column]
            if value is not None and not is_valid_id(value):
                shown = value if len(value) <= 80 else value[:77] + "..."
                problems.append(
                    f"row {row['source_row']}: REGISTER_ID_INVALID: {column} {shown!r} does not match {ID_PATTERN} "
                    "(a letter or digit, then letters, digits, spaces, _ / . -, 64 at most)"
                )
        try:
            ZoneInfo(row["timezone"] or "")
        except (KeyError, ValueError, OSError):  # OSError: a tzdata folder such as "Europe"
            problems.append(f"row {row['source_row']}: timezone {row['timezone']!r} is not an IANA time zone")
        if row["valid_to"] is not None and row["valid_from"] is not None and row["valid_to"] < row["valid_from"]:
            problems.append(
                f"row {row['source_row']}: valid_to {row['valid_to']} is before valid_from {row['valid_from']}"
            )
    register = bronze_register.with_columns(wellbore_code=normalise_wellbore(pl.col("wellbore_code")))
    ordered = register.sort("wellbore_code", "valid_from").with_columns(
        _prev_to=pl.col("valid_to").shift(1).over("wellbore_code"),
        _prev_open=pl.col("valid_to").shift(1).over("wellbore_code").is_null()
        & (pl.int_range(pl.len()).over("wellbore_code") > 0),
    )
    for row in ordered.filter(pl.col("_prev_open") | (pl.col("_prev_to") >= pl.col("valid_from"))).iter_rows(
        named=True
    ):
        problems.append(
            f"row {row['source_row']}: interval from {row['valid_from']} overlaps "
            f"an earlier one of {row['wellbore_code']}"
        )
    if problems:
        raise RegisterInvalid("well register rejected: " + "; ".join(problems))
    return register.select([pl.col(c).cast(t) for c, t in schema.WELL_REGISTER.items()])


def conform_daily(bronze: pl.DataFrame, register: pl.DataFrame) -> SilverResult:
    """Apply the cleaning rules to dated bronze rows (one window of days) against the register.

    The rules run in the module's order, each step taking the rows the previous one let through:
    identity, then duplicates, then values; the accepted rows are then canonicalised and split by flow.
    """
    rows = _match_register(bronze, register)
    candidates, rejected_identity = _reject_identity(rows, register)
    winners, superseded = _keep_latest_report(candidates)
    accepted, rejected_values = _reject_values(winners)
    production, injection = _split_by_flow(_canonicalise(accepted))
    quarantine = pl.concat([rejected_identity, superseded, rejected_values])
    return SilverResult(
        production=_conform(production, schema.WELL_DAY_PRODUCTION).sort("production_date", "well_id"),
        injection=_conform(injection, schema.WELL_DAY_INJECTION).sort("production_date", "well_id"),
        quarantine=quarantine.sort("source_file", "source_row"),
    )


def _match_register(bronze: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """Give every bronze row its normalised wellbore key and, where one exists, the register interval that
    covers its day (``well_id`` ... ``timezone`` and the register's NPD code as ``_reg_npd``; null when no
    interval is active then)."""
    rows = bronze.with_row_index("_rid").with_columns(_key=normalise_wellbore(pl.col("wellbore_code")))
    intervals = register.rename({"wellbore_code": "_key", "npd_wellbore_code": "_reg_npd"})
    matched = (
        rows.select("_rid", "_key", "production_date")
        .join(intervals, on="_key", how="inner")
        .filter(
            (pl.col("production_date") >= pl.col("valid_from"))
            & (pl.col("valid_to").is_null() | (pl.col("production_date") <= pl.col("valid_to")))
        )
        .unique("_rid", keep="first")
        .select("_rid", "well_id", "field_id", "facility_id", "well_type", "timezone", "_reg_npd")
    )
    return rows.join(matched, on="_rid", how="left")


def _reject_identity(rows: pl.DataFrame, register: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rules ``PARSE_ERROR``, ``WELL_UNKNOWN``, ``WELL_NOT_ACTIVE`` and ``WELL_CODE_MISMATCH``, first that
    applies: bronze could not parse the row, or the wellbore is not in the register, not active on that
    day, or has another NPD code there.

    Returns ``(candidates, quarantined)``.
    """
    known_keys = register["wellbore_code"].unique().to_list()
    rule = (
        pl.when(pl.col("parse_errors").is_not_null())
        .then(pl.lit("PARSE_ERROR"))
        .when(pl.col("_key").is_null() | ~pl.col("_key").is_in(known_keys))
        .then(pl.lit("WELL_UNKNOWN"))
        .when(pl.col("well_id").is_null())
        .then(pl.lit("WELL_NOT_ACTIVE"))
        .when(
            pl.col("npd_wellbore_code").is_not_null()
            & pl.col("_reg_npd").is_not_null()
            & (pl.col("npd_wellbore_code") != pl.col("_reg_npd"))
        )
        .then(pl.lit("WELL_CODE_MISMATCH"))
        .otherwise(None)
    )
    reason = (
        pl.when(pl.col("_rule") == "PARSE_ERROR")
        .then(pl.col("parse_errors"))
        .when(pl.col("_rule") == "WELL_UNKNOWN")
        .then(pl.format("wellbore {} is not in the well register", pl.col("wellbore_code").fill_null("(empty)")))
        .when(pl.col("_rule") == "WELL_NOT_ACTIVE")
        .then(
            pl.format(
                "wellbore {} is not active in the register on {}", pl.col("wellbore_code"), pl.col("production_date")
            )
        )
        .otherwise(
            pl.format("NPD code {} differs from the register's {}", pl.col("npd_wellbore_code"), pl.col("_reg_npd"))
        )
    )
    tagged = rows.with_columns(_rule=rule)
    rejected = tagged.filter(pl.col("_rule").is_not_null())
    return tagged.filter(pl.col("_rule").is_null()), quarantine_rows(rejected, pl.col("_rule"), reason)


def _keep_latest_report(candidates: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rule ``DUPLICATE_SUPERSEDED``: of several reports of one well-day the latest wins, the others are
    quarantined as ``superseded``, naming the winner.

    Returns ``(winners, superseded)``.
    """
    # Only well-days reported more than once need ranking: sorting every row of a window by the four keys
    # (every column moves with them) was most of the conform step's time, and repeats are rare.
    keys = ["well_id", "production_date"]
    repeated = candidates.select(keys).is_duplicated()
    single = candidates.filter(~repeated).with_columns(_rank=pl.lit(0, dtype=pl.Int64()))
    # Latest report wins: the newest arrival, then the newest file version, then the last row in the file;
    # the file name breaks a tie between files landed together, so reruns always pick the same winner.
    ranked = (
        candidates.filter(repeated)
        .sort(["arrived_at", "source_version", "source_row", "source_file"], descending=True)
        .with_columns(_rank=pl.int_range(pl.len(), dtype=pl.Int64()).over(keys))
    )
    winners_meta = ranked.filter(pl.col("_rank") == 0).select(
        *keys,
        pl.col("source_file").alias("_win_file"),
        pl.col("source_version").alias("_win_version"),
        pl.col("source_row").alias("_win_row"),
    )
    superseded = ranked.filter(pl.col("_rank") > 0).join(winners_meta, on=keys)
    quarantined = quarantine_rows(
        superseded,
        "DUPLICATE_SUPERSEDED",
        # The version matters: a corrected file usually keeps its name.
        pl.format("replaced by {} version {} row {}", pl.col("_win_file"), pl.col("_win_version"), pl.col("_win_row")),
        SUPERSEDED,
    )
    return pl.concat([single, ranked.filter(pl.col("_rank") == 0)]), quarantined


def _reject_values(winners: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rules ``FLOW_KIND_INVALID``, ``VALUE_NOT_FINITE``, ``HOURS_OUT_OF_RANGE``, ``VOLUME_NEGATIVE``, then
    each range rule of :data:`VALUE_BOUNDS` (volume, pressure, temperature, choke), first that applies.

    Adds the local day's length (``day_hours``) and the normalised flow kind. Returns
    ``(accepted, quarantined)``.
    """
    days = winners.select("production_date", "timezone").unique()
    days = days.with_columns(
        day_hours=pl.struct("production_date", "timezone").map_elements(
            lambda s: day_length_hours(s["production_date"], s["timezone"]), return_dtype=pl.Float64()
        )
    )
    winners = winners.join(days, on=["production_date", "timezone"], how="left")
    # Reports on a nominal 24 h day are common (Volve reports 24 h on the 23 h spring-forward day), so
    # the bound is the longer of 24 h and the local day; uptime is capped at 1 downstream.
    max_hours = pl.max_horizontal(pl.lit(24.0), pl.col("day_hours"))
    negative = pl.any_horizontal([pl.col(c) < 0 for c in VOLUME_COLUMNS]).fill_null(False)
    flow_kind = pl.col("flow_kind").str.strip_chars().str.to_lowercase()
    floats = [c for c in FLOAT_COLUMNS if c in winners.columns]
    bounded = {c: b for c, b in VALUE_BOUNDS.items() if c in winners.columns}
    rule = (
        pl.when(~flow_kind.is_in(["production", "injection"]) | flow_kind.is_null())
        .then(pl.lit("FLOW_KIND_INVALID"))
        # First: NaN compares above every number in polars and would be reported as a range breach.
        .when(_any_breaks(floats, lambda c: ~pl.col(c).is_finite()))
        .then(pl.lit("VALUE_NOT_FINITE"))
        .when((pl.col("on_stream_hrs") < 0) | (pl.col("on_stream_hrs") > max_hours))
        .then(pl.lit("HOURS_OUT_OF_RANGE"))
        .when(negative)
        .then(pl.lit("VOLUME_NEGATIVE"))
    )
    for range_rule in dict.fromkeys(b.rule for b in bounded.values()):
        columns = [c for c, b in bounded.items() if b.rule == range_rule]
        rule = rule.when(_any_breaks(columns, _outside)).then(pl.lit(range_rule))
    rule = rule.otherwise(None)
    reason = (
        pl.when(pl.col("_rule") == "FLOW_KIND_INVALID")
        .then(pl.format("FLOW_KIND {} is not production or injection", pl.col("flow_kind")))
        .when(pl.col("_rule") == "HOURS_OUT_OF_RANGE")
        .then(
            pl.format(
                "ON_STREAM_HRS {} outside 0..{} (the longer of 24 h and the local day)",
                pl.col("on_stream_hrs"),
                max_hours,
            )
        )
        .when(pl.col("_rule") == "VOLUME_NEGATIVE")
        .then(
            pl.concat_str(
                [pl.when(pl.col(c) < 0).then(pl.format(f"{c}={{}}", pl.col(c))) for c in VOLUME_COLUMNS],
                separator=", ",
                ignore_nulls=True,
            ).map_elements(lambda s: f"negative volume: {s}", return_dtype=pl.String())
        )
        .when(pl.col("_rule") == "VALUE_NOT_FINITE")
        .then(
            _listing("not a finite number: ", {c: pl.col(c).is_not_null() & ~pl.col(c).is_finite() for c in floats}, "")
        )
        .otherwise(
            _listing(
                "outside its range per well-day: ",
                {c: _outside(c) for c in bounded},
                {c: f" (allowed {b.low:,.12g}..{b.high:,.12g} {b.unit})" for c, b in bounded.items()},
            )
        )
    )
    tagged = winners.with_columns(_rule=rule, flow_kind=flow_kind)
    rejected = tagged.filter(pl.col("_rule").is_not_null())
    return tagged.filter(pl.col("_rule").is_null()), quarantine_rows(rejected, pl.col("_rule"), reason)


def _canonicalise(accepted: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows in canonical form: -0.0 stored as 0.0, sentinel zeros (:data:`SENTINEL_ZERO_COLUMNS`)
    as null, the register's wellbore key and NPD code, and downtime as the local day less on-stream hours."""
    floats = [c for c in FLOAT_COLUMNS if c in accepted.columns]
    return (
        accepted.with_columns(
            # -0.0 is a zero: stored as 0.0 so that no export or sum shows a "negative" zero.
            [pl.when(pl.col(c) == 0).then(0.0).otherwise(pl.col(c)).alias(c) for c in floats]
        )
        .with_columns([pl.when(pl.col(c) == 0).then(None).otherwise(pl.col(c)).alias(c) for c in SENTINEL_ZERO_COLUMNS])
        .with_columns(
            wellbore_code=pl.col("_key"),
            npd_wellbore_code=pl.coalesce("npd_wellbore_code", "_reg_npd"),
            downtime_hrs=(pl.col("day_hours") - pl.col("on_stream_hrs")).clip(lower_bound=0.0),
        )
    )


def _split_by_flow(accepted: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(production, injection)``; production rows get rates per producing day: volume scaled to 24 h, for
    days with at least :data:`MIN_PRODUCING_HOURS` on stream (null otherwise, and when hours are unknown)."""
    producing = pl.col("on_stream_hrs") >= MIN_PRODUCING_HOURS
    production = accepted.filter(pl.col("flow_kind") == "production").with_columns(
        [
            pl.when(producing)
            .then(pl.col(f"{p}_sm3") * 24.0 / pl.col("on_stream_hrs"))
            .otherwise(None)
            .alias(f"{p}_rate_sm3d")
            for p in ("oil", "gas", "water")
        ]
    )
    return production, accepted.filter(pl.col("flow_kind") == "injection")


def _any_breaks(columns: list[str], breaks) -> pl.Expr:
    """True where any of ``columns`` is non-null and ``breaks(column)``; False when there are none."""
    if not columns:
        return pl.lit(False)
    return pl.any_horizontal([pl.col(c).is_not_null() & breaks(c) for c in columns]).fill_null(False)


def _outside(column: str) -> pl.Expr:
    bound = VALUE_BOUNDS[column]
    return (pl.col(column) < bound.low) | (pl.col(column) > bound.high)


def _listing(prefix: str, offending: dict[str, pl.Expr], suffix: dict[str, str] | str) -> pl.Expr:
    """``prefix`` then ``SOURCE_HEADER=value`` for each column whose expression holds (named as the file
    names it, so the operator can find the cell)."""
    parts = [
        pl.when(hit.fill_null(False)).then(
            pl.format(f"{_SOURCE_NAME.get(c, c)}={{}}{suffix if isinstance(suffix, str) else suffix[c]}", pl.col(c))
        )
        for c, hit in offending.items()
    ]
    if not parts:
        return pl.lit(prefix)
    return pl.concat_str([pl.lit(prefix), pl.concat_str(parts, separator=", ", ignore_nulls=True)])


# The reported monthly sheet: a month holds at most 31 well-days (745 h with the autumn clock change).
MONTHLY_BOUNDS: dict[str, float] = {
    "on_stream_hrs": 31 * 24 + 1.0,
    "oil_sm3": 31 * _VOLUME_MAX,
    "gas_sm3": 31 * _GAS_MAX,
    "water_sm3": 31 * _VOLUME_MAX,
    "gi_sm3": 31 * _GAS_MAX,
    "wi_sm3": 31 * _VOLUME_MAX,
}
_MONTHLY_SOURCE = {c.name: c.source for c in MONTHLY.columns}


def monthly_rejections(bronze_monthly: pl.DataFrame) -> pl.DataFrame:
    """Rows of the reported monthly sheet that cannot be a reconciliation target, with rule and reason.

    ``PARSE_ERROR`` (bronze could not read a value), ``VALUE_NOT_FINITE``, ``MONTHLY_VALUE_OUT_OF_RANGE``
    (hours outside 0..745 or a volume beyond 31 well-days at the daily bound, either sign). Such a
    well-month is then ``not_reported`` in the reconciliation; the row stays in bronze and raw.
    """
    columns = [c for c in MONTHLY_BOUNDS if c in bronze_monthly.columns]
    not_finite = {c: pl.col(c).is_not_null() & ~pl.col(c).is_finite() for c in columns}
    outside = {
        c: pl.col(c).is_finite()
        & ((pl.col(c).abs() > MONTHLY_BOUNDS[c]) | ((pl.col(c) < 0) if c == "on_stream_hrs" else pl.lit(False)))
        for c in columns
    }
    tagged = bronze_monthly.with_columns(
        rule_id=pl.when(pl.col("parse_errors").is_not_null())
        .then(pl.lit("PARSE_ERROR"))
        .when(_any_of(not_finite))
        .then(pl.lit("VALUE_NOT_FINITE"))
        .when(_any_of(outside))
        .then(pl.lit("MONTHLY_VALUE_OUT_OF_RANGE")),
    )
    reason = (
        pl.when(pl.col("rule_id") == "PARSE_ERROR")
        .then(pl.col("parse_errors"))
        .when(pl.col("rule_id") == "VALUE_NOT_FINITE")
        .then(pl.concat_str(pl.lit("not a finite number: "), _monthly_listing(not_finite)))
        .otherwise(pl.concat_str(pl.lit("beyond 31 well-days: "), _monthly_listing(outside)))
    )
    return tagged.filter(pl.col("rule_id").is_not_null()).select(
        *schema.LINEAGE, "well_id", "year", "month", "rule_id", reason.alias("reason")
    )


def _any_of(hits: dict[str, pl.Expr]) -> pl.Expr:
    return pl.any_horizontal(list(hits.values())).fill_null(False) if hits else pl.lit(False)


def _monthly_listing(hits: dict[str, pl.Expr]) -> pl.Expr:
    parts = [
        pl.when(hit.fill_null(False)).then(pl.format(f"{_MONTHLY_SOURCE[c]}={{}}", pl.col(c)))
        for c, hit in hits.items()
    ]
    return pl.concat_str(parts, separator=", ", ignore_nulls=True) if parts else pl.lit("")


def conform_monthly(bronze_monthly: pl.DataFrame) -> pl.DataFrame:
    """Reported monthly totals per well-month: the latest landed version of each well-month wins.

    Rows :func:`monthly_rejections` lists are left out first, so no reported value can break gold.
    """
    rejected = monthly_rejections(bronze_monthly).select("source_sha256", "source_row")
    valid = bronze_monthly.join(rejected, on=["source_sha256", "source_row"], how="anti")
    latest = valid.sort(["arrived_at", "source_version", "source_row", "source_file"], descending=True).unique(
        ["well_id", "year", "month"], keep="first"
    )
    return _conform(latest, schema.REPORTED_MONTHLY).sort("well_id", "year", "month")


def _conform(frame: pl.DataFrame, contract: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.select(
        [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in contract.items()]
    )
