-- Grain: one row per production_date x field_id (any producing or injecting well-day).
{{ daily_production_rollup('field_id') }}
