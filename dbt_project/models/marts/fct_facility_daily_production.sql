{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        on_schema_change='fail',
        meta={'partition_window': {'column': 'production_date', 'grain': 'day'}}
    )
}}
-- Grain: one row per production_date x facility_id (any producing or injecting well-day).
{{ daily_production_rollup('facility_id') }}
