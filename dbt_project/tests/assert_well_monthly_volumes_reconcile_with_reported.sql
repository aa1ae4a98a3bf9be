{{ config(severity='warn') }}
-- Summed daily volumes per well-month must equal the operator's reported monthly volumes once
-- the rejected (quarantined) records are added back. Returns the well-months that do not.
-- Warn only: a difference is a data finding to investigate, not a broken build.
-- A well-month with daily rows but no reported row is not compared: the sheet for a month comes
-- after the month closes, so the current month is always unreported (the blocking Dagster check,
-- da_platform/gold/reconciliation.py, counts those as not_reported for the same reason).
select
    well_id,
    month_start,
    in_daily,
    in_reported,
    oil_sm3_diff,
    gas_sm3_diff,
    water_sm3_diff,
    water_injected_sm3_diff,
    n_quarantined_records
from {{ ref('fct_well_monthly_production') }}
where {{ partition_window_predicate('month_start', 'month') }}
    and in_reported
    and (
        abs(coalesce(oil_sm3_diff, 0) + coalesce(quarantined_oil_sm3, 0)) > 0.01
        or abs(coalesce(gas_sm3_diff, 0) + coalesce(quarantined_gas_sm3, 0)) > 0.01
        or abs(coalesce(water_sm3_diff, 0) + coalesce(quarantined_water_sm3, 0)) > 0.01
        or abs(coalesce(water_injected_sm3_diff, 0) + coalesce(quarantined_water_injected_sm3, 0)) > 0.01
    )
