-- Grain: one row per production_date x facility_id (any producing or injecting well-day).
{{ daily_production_rollup('facility_id') }}
