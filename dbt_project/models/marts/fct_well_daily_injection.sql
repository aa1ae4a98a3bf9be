-- Grain: one row per production_date x well_id (injecting well-days from silver), with the
-- look-back of fct_well_daily_production.
with injection_days as (
    select * from {{ ref('int_well_day_injection') }}
    where production_date between {{ lookback_start() }} and {{ window_end() }}
),

-- Window functions over the look-back rows, before the window filter drops them.
with_trends as (
    select
        *,
        {{ moving_average_columns(['water_injected_sm3'], 'well_id') }},
        {{ previous_day_value('water_injected_sm3', 'well_id') }} as prev_day_water_injected_sm3
    from injection_days
)

select
    {{ column_list(well_day_key_columns() + well_day_register_columns()) }},
    is_injecting,
    {{ column_list(well_day_hour_columns()) }},
    {{ uptime('on_stream_hrs', 'day_hours') }} as uptime,
    water_injected_sm3,
    water_injection_rate_sm3d,
    {{ column_list(moving_average_names(['water_injected_sm3'])) }},
    prev_day_water_injected_sm3,
    water_injected_sm3 - prev_day_water_injected_sm3 as water_injected_dod_change_sm3,
    {{ column_list(injection_sensor_columns()) }}
from with_trends
where {{ partition_window_predicate('production_date', 'day') }}
