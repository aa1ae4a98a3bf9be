-- One row per well-day of an injecting well; typing / naming only.
{{ staged_well_day('well_day_injection', ['water_injected_sm3'] + injection_sensor_columns()) }}
