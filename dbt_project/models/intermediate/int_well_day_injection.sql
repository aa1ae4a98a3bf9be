-- Injecting well-days joined with the register version valid on that day; the injection rate is
-- known only for a day of at least 6 hours on stream.
{{ well_days_on_register(
    'stg_well_day_injection',
    ['water_injected_sm3'],
    'is_injecting',
    ['case when on_stream_hrs >= 6 then water_injected_sm3 * 24 / on_stream_hrs end as water_injection_rate_sm3d']
        + injection_sensor_columns()
) }}
