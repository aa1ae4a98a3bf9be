-- Producing well-days joined with the register version valid on that day.
{{ well_days_on_register(
    'stg_well_day_production',
    production_volume_columns(),
    'is_producing',
    production_rate_columns() + production_sensor_columns()
) }}
