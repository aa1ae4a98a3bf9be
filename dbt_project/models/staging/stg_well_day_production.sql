-- One row per well-day of a producing well; typing / naming only.
{{ staged_well_day(
    'well_day_production',
    production_volume_columns() + production_rate_columns() + production_sensor_columns()
) }}
