-- Grain: one row per field_id x month_start: fct_well_monthly_production summed per field
-- (its months in the window have just been recomputed in the same run).
with well_months as (
    select * from {{ ref('fct_well_monthly_production') }}
    where {{ partition_window_predicate('month_start', 'month') }}
),

by_field as (
    select
        month_start,
        max(year) as year,
        max(month) as month,
        max(days_in_month) as days_in_month,
        field_id,
        count(case when in_daily then 1 end) as n_wells_in_daily,
        count(case when in_reported then 1 end) as n_wells_in_reported,
        count(case when producing_days > 0 then 1 end) as n_wells_producing,
        count(case when injecting_days > 0 then 1 end) as n_wells_injecting,
        {{ exact_sum('production_on_stream_hrs') }} as production_on_stream_hrs,
        {{ exact_sum('injection_on_stream_hrs') }} as injection_on_stream_hrs,
        {{ exact_sum('on_stream_hrs') }} as on_stream_hrs,
        {{ exact_sum('oil_sm3') }} as oil_sm3,
        {{ exact_sum('gas_sm3') }} as gas_sm3,
        {{ exact_sum('water_sm3') }} as water_sm3,
        {{ exact_sum('water_injected_sm3') }} as water_injected_sm3,
        {{ exact_sum('reported_on_stream_hrs') }} as reported_on_stream_hrs,
        {{ exact_sum('reported_oil_sm3') }} as reported_oil_sm3,
        {{ exact_sum('reported_gas_sm3') }} as reported_gas_sm3,
        {{ exact_sum('reported_water_sm3') }} as reported_water_sm3,
        {{ exact_sum('reported_gi_sm3') }} as reported_gi_sm3,
        {{ exact_sum('reported_wi_sm3') }} as reported_wi_sm3,
        cast(sum(n_quarantined_records) as bigint) as n_quarantined_records
    from well_months
    group by month_start, field_id
)

select
    month_start,
    year,
    month,
    days_in_month,
    field_id,
    n_wells_in_daily,
    n_wells_in_reported,
    n_wells_producing,
    n_wells_injecting,
    production_on_stream_hrs,
    injection_on_stream_hrs,
    on_stream_hrs,
    oil_sm3,
    gas_sm3,
    water_sm3,
    water_injected_sm3,
    {{ water_cut('oil_sm3', 'water_sm3') }} as water_cut,
    {{ gor('gas_sm3', 'oil_sm3') }} as gor,
    reported_on_stream_hrs,
    reported_oil_sm3,
    reported_gas_sm3,
    reported_water_sm3,
    reported_gi_sm3,
    reported_wi_sm3,
    {{ reconciliation_diff('on_stream_hrs', 'reported_on_stream_hrs') }} as on_stream_hrs_diff,
    {{ reconciliation_diff('oil_sm3', 'reported_oil_sm3') }} as oil_sm3_diff,
    {{ reconciliation_diff('gas_sm3', 'reported_gas_sm3') }} as gas_sm3_diff,
    {{ reconciliation_diff('water_sm3', 'reported_water_sm3') }} as water_sm3_diff,
    {{ reconciliation_diff('water_injected_sm3', 'reported_wi_sm3') }} as water_injected_sm3_diff,
    n_quarantined_records
from by_field
