{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        on_schema_change='fail',
        meta={'partition_window': {'column': 'month_start', 'grain': 'month'}}
    )
}}
-- Grain: one row per well_id x month_start x flow (production | injection): the per-month pieces
-- of dim_well's whole-history figures (first / last days, day counts, cumulative volumes).
-- dim_well rolls these up instead of every well-day, so a new day recomputes one month here and
-- dim_well reads months, not the years of days under them. Volumes stay DECIMAL(38, 9): sums of
-- sums are then exact and dim_well's totals are the same as summing the days directly.
-- The first build reads every month whatever the window: a table created by a day's run (an
-- environment from before this model) must still hold the whole history dim_well sums.
with production as (
    select * from {{ ref('stg_well_day_production') }}
    {% if is_incremental() -%}
    where production_date between {{ window_month_start() }} and {{ window_month_end() }}
    {%- endif %}
),

injection as (
    select * from {{ ref('stg_well_day_injection') }}
    {% if is_incremental() -%}
    where production_date between {{ window_month_start() }} and {{ window_month_end() }}
    {%- endif %}
),

totals as (
    select
        well_id,
        {{ month_start('production_date') }} as month_start,
        'production' as flow,
        min(production_date) as first_date,
        max(production_date) as last_date,
        min(case when oil_sm3 > 0 or gas_sm3 > 0 then production_date end) as first_hydrocarbon_date,
        max(case when oil_sm3 > 0 or gas_sm3 > 0 then production_date end) as last_hydrocarbon_date,
        count(*) as n_days,
        {{ decimal_sum('oil_sm3') }} as oil_sm3,
        {{ decimal_sum('gas_sm3') }} as gas_sm3,
        {{ decimal_sum('water_sm3') }} as water_sm3,
        cast(null as decimal(38, 9)) as water_injected_sm3,
        max(wellbore_code) as wellbore_code,
        max(field_id) as field_id,
        max(facility_id) as facility_id
    from production
    group by well_id, {{ month_start('production_date') }}

    union all

    select
        well_id,
        {{ month_start('production_date') }} as month_start,
        'injection' as flow,
        min(production_date) as first_date,
        max(production_date) as last_date,
        cast(null as date) as first_hydrocarbon_date,
        cast(null as date) as last_hydrocarbon_date,
        count(*) as n_days,
        cast(null as decimal(38, 9)) as oil_sm3,
        cast(null as decimal(38, 9)) as gas_sm3,
        cast(null as decimal(38, 9)) as water_sm3,
        {{ decimal_sum('water_injected_sm3') }} as water_injected_sm3,
        max(wellbore_code) as wellbore_code,
        max(field_id) as field_id,
        max(facility_id) as facility_id
    from injection
    group by well_id, {{ month_start('production_date') }}
)

-- The reads above already stop at the window's months; replace_window inserts only window rows.
select * from totals
