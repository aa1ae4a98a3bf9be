-- Grain: one row per production_date x well_id (producing well-days from silver).
-- Reads lookback_days of history before the window so the moving averages and the
-- day-over-day variance are right on the window's first day; writes only the window.
with well_days as (
    select * from {{ ref('int_well_day_production') }}
    where production_date between {{ lookback_start() }} and {{ window_end() }}
),

-- Window functions over the look-back rows, before the window filter drops them.
with_trends as (
    select
        *,
        {{ moving_average_columns(production_volume_columns(), 'well_id') }},
        {{ previous_day_value('oil_sm3', 'well_id') }} as prev_day_oil_sm3
    from well_days
)

select
    {{ column_list(well_day_key_columns() + well_day_register_columns()) }},
    is_producing,
    {{ column_list(well_day_hour_columns()) }},
    {{ uptime('on_stream_hrs', 'day_hours') }} as uptime,
    {{ column_list(production_volume_columns()) }},
    {{ water_cut('oil_sm3', 'water_sm3') }} as water_cut,
    {{ gor('gas_sm3', 'oil_sm3') }} as gor,
    {{ column_list(production_rate_columns() + moving_average_names(production_volume_columns())) }},
    prev_day_oil_sm3,
    oil_sm3 - prev_day_oil_sm3 as oil_dod_change_sm3,
    100 * {{ safe_ratio('oil_sm3 - prev_day_oil_sm3', 'prev_day_oil_sm3') }} as oil_dod_change_pct,
    {{ column_list(production_sensor_columns()) }}
from with_trends
where {{ partition_window_predicate('production_date', 'day') }}
