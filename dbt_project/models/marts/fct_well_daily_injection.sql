{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        on_schema_change='fail',
        meta={'partition_window': {'column': 'production_date', 'grain': 'day'}}
    )
}}
-- Grain: one row per production_date x well_id (injecting well-days from silver).
with injection_days as (
    select * from {{ ref('int_well_day_injection') }}
    where production_date between {{ lookback_start() }} and {{ window_end() }}
),

with_kpis as (
    select
        production_date,
        well_id,
        wellbore_code,
        npd_wellbore_code,
        field_id,
        facility_id,
        well_type,
        reported_well_type,
        register_status,
        in_register_on_day,
        is_injecting,
        day_hours,
        on_stream_hrs,
        downtime_hrs,
        {{ uptime('on_stream_hrs', 'day_hours') }} as uptime,
        water_injected_sm3,
        water_injection_rate_sm3d,
        {{ trailing_days_avg('water_injected_sm3', 7, 'well_id') }} as water_injected_sm3_ma7,
        {{ trailing_days_avg('water_injected_sm3', 30, 'well_id') }} as water_injected_sm3_ma30,
        {{ previous_day_value('water_injected_sm3', 'well_id') }} as prev_day_water_injected_sm3,
        avg_whp_bar,
        avg_wht_c,
        avg_annulus_pressure_bar
    from injection_days
)

select
    production_date,
    well_id,
    wellbore_code,
    npd_wellbore_code,
    field_id,
    facility_id,
    well_type,
    reported_well_type,
    register_status,
    in_register_on_day,
    is_injecting,
    day_hours,
    on_stream_hrs,
    downtime_hrs,
    uptime,
    water_injected_sm3,
    water_injection_rate_sm3d,
    water_injected_sm3_ma7,
    water_injected_sm3_ma30,
    prev_day_water_injected_sm3,
    water_injected_sm3 - prev_day_water_injected_sm3 as water_injected_dod_change_sm3,
    avg_whp_bar,
    avg_wht_c,
    avg_annulus_pressure_bar
from with_kpis
where {{ partition_window_predicate('production_date', 'day') }}
