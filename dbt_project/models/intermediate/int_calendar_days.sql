{{ config(materialized='table') }}
-- One row per calendar day between vars calendar_start_date and calendar_end_date (inclusive).
{%- set first_day = modules.datetime.datetime.strptime(var('calendar_start_date') | string, '%Y-%m-%d').date() %}
{%- set day_after_last = modules.datetime.datetime.strptime(var('calendar_end_date') | string, '%Y-%m-%d').date()
    + modules.datetime.timedelta(days=1) %}
with spine as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ first_day.isoformat() ~ "' as date)",
        "cast('" ~ day_after_last.isoformat() ~ "' as date)"
    ) }}
),

days as (
    select cast(date_day as date) as calendar_date
    from spine
)

select
    calendar_date,
    cast(extract(year from calendar_date) as integer) as year,
    cast(extract(month from calendar_date) as integer) as month,
    {{ month_start('calendar_date') }} as month_start,
    count(*) over (partition by {{ month_start('calendar_date') }}) as days_in_month
from days
