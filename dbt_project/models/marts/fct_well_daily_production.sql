{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        on_schema_change='fail',
        meta={'partition_window': {'column': 'production_date', 'grain': 'day'}}
    )
}}
-- Grain: one row per production_date x well_id (producing well-days from silver).
-- Reads lookback_days of history before the window so the moving averages and the
-- day-over-day variance are right on the window's first day; writes only the window.
with well_days as (
    select * from {{ ref('int_well_day_production') }}
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
        is_producing,
        day_hours,
        on_stream_hrs,
        downtime_hrs,
        {{ uptime('on_stream_hrs', 'day_hours') }} as uptime,
        oil_sm3,
        gas_sm3,
        water_sm3,
        {{ water_cut('oil_sm3', 'water_sm3') }} as water_cut,
        {{ gor('gas_sm3', 'oil_sm3') }} as gor,
        oil_rate_sm3d,
        gas_rate_sm3d,
        water_rate_sm3d,
        {{ trailing_days_avg('oil_sm3', 7, 'well_id') }} as oil_sm3_ma7,
        {{ trailing_days_avg('gas_sm3', 7, 'well_id') }} as gas_sm3_ma7,
        {{ trailing_days_avg('water_sm3', 7, 'well_id') }} as water_sm3_ma7,
        {{ trailing_days_avg('oil_sm3', 30, 'well_id') }} as oil_sm3_ma30,
        {{ trailing_days_avg('gas_sm3', 30, 'well_id') }} as gas_sm3_ma30,
        {{ trailing_days_avg('water_sm3', 30, 'well_id') }} as water_sm3_ma30,
        {{ previous_day_value('oil_sm3', 'well_id') }} as prev_day_oil_sm3,
        avg_downhole_pressure_bar,
        avg_downhole_temperature_c,
        avg_dp_tubing_bar,
        avg_annulus_pressure_bar,
        avg_choke_size_pct,
        avg_whp_bar,
        avg_wht_c,
        dp_choke_size_bar
    from well_days
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
    is_producing,
    day_hours,
    on_stream_hrs,
    downtime_hrs,
    uptime,
    oil_sm3,
    gas_sm3,
    water_sm3,
    water_cut,
    gor,
    oil_rate_sm3d,
    gas_rate_sm3d,
    water_rate_sm3d,
    oil_sm3_ma7,
    gas_sm3_ma7,
    water_sm3_ma7,
    oil_sm3_ma30,
    gas_sm3_ma30,
    water_sm3_ma30,
    prev_day_oil_sm3,
    oil_sm3 - prev_day_oil_sm3 as oil_dod_change_sm3,
    100 * {{ safe_ratio('oil_sm3 - prev_day_oil_sm3', 'prev_day_oil_sm3') }} as oil_dod_change_pct,
    avg_downhole_pressure_bar,
    avg_downhole_temperature_c,
    avg_dp_tubing_bar,
    avg_annulus_pressure_bar,
    avg_choke_size_pct,
    avg_whp_bar,
    avg_wht_c,
    dp_choke_size_bar
from with_kpis
where {{ partition_window_predicate('production_date', 'day') }}
