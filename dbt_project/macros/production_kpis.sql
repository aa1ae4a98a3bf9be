{#- KPI building blocks shared by the daily and monthly facts (portable DuckDB / Snowflake SQL). -#}

{#- numerator / denominator, null when the denominator is null or 0. -#}
{% macro safe_ratio(numerator, denominator) -%}
    case when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
         else cast(({{ numerator }}) as double) / ({{ denominator }}) end
{%- endmacro %}

{#- uptime = on-stream hours / hours in the (local) day, capped at 1: silver accepts reports of a
    nominal 24 h day on the 23 h spring-forward day (Volve does this on 2015-03-29), which is a fully
    on-stream day, not 104 % uptime. Unknown hours stay unknown: DuckDB's least() skips a null argument
    (least(null, 1.0) = 1.0) where Snowflake's returns null, so the cap is applied only to a known ratio. -#}
{% macro uptime(on_stream_hrs, day_hours) -%}
    case when ({{ safe_ratio(on_stream_hrs, day_hours) }}) is null then null
         else least({{ safe_ratio(on_stream_hrs, day_hours) }}, 1.0) end
{%- endmacro %}

{#- water cut = water / (oil + water), null when both are 0 (or null). -#}
{% macro water_cut(oil, water) -%}
    {{ safe_ratio(water, 'coalesce(' ~ oil ~ ', 0) + coalesce(' ~ water ~ ', 0)') }}
{%- endmacro %}

{#- gas-oil ratio = gas / oil (sm3/sm3), null when oil is 0. -#}
{% macro gor(gas, oil) -%}
    {{ safe_ratio(gas, oil) }}
{%- endmacro %}

{#-
  Sum of a volume / hours column computed in DECIMAL(38, 9): floating-point sums depend on the
  order rows are added in (parallel aggregation, different look-back sets), which would make a
  rerun of a window differ in the last bits. Decimal sums are exact, so reruns are identical.
-#}
{% macro exact_sum(expr) -%}
    cast({{ decimal_sum(expr) }} as double)
{%- endmacro %}

{#- SUM in DECIMAL(38, 9), kept as a decimal: partial sums (per month) add up exactly to the whole. -#}
{% macro decimal_sum(expr) -%}
    sum(cast({{ expr }} as decimal(38, 9)))
{%- endmacro %}

{#-
  Average of `expr` over a calendar window of `days` days ending on the current row's date
  (RANGE frame, so missing days are not counted and never pull older rows into the window).
  Computed on DECIMAL(38, 9) values for the same reproducibility reason as exact_sum.
-#}
{% macro trailing_days_avg(expr, days, partition_by, order_by='production_date') -%}
    cast(avg(cast({{ expr }} as decimal(38, 9))) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        range between {{ trailing_days_offset(days) }} preceding and current row
    ) as double)
{%- endmacro %}

{#- The RANGE offset of a frame of `days` calendar days on a DATE order key. -#}
{% macro trailing_days_offset(days) -%}
    {{ return(adapter.dispatch('trailing_days_offset', 'datalive')(days)) }}
{%- endmacro %}

{% macro default__trailing_days_offset(days) -%}
    interval '{{ days - 1 }} days'
{%- endmacro %}

{#- DuckDB subtracts an interval from a DATE as a TIMESTAMP, so an interval frame orders the window by
    cast(date as timestamp): a second sort of every row, beside the one lag() over the DATE needs. A
    whole number of days keeps the DATE key; the frame holds the same days. -#}
{% macro duckdb__trailing_days_offset(days) -%}
    {{ days - 1 }}
{%- endmacro %}

{#-
  Value of `expr` on the previous calendar day of the same partition, null when that day has
  no row. Needs the look-back rows in the input (start_date - 1 at least).
-#}
{% macro previous_day_value(expr, partition_by, order_by='production_date') -%}
    case
        when {{ dbt.datediff('lag(' ~ order_by ~ ') over (partition by ' ~ partition_by ~ ' order by ' ~ order_by ~ ')', order_by, 'day') }} = 1
            then lag({{ expr }}) over (partition by {{ partition_by }} order by {{ order_by }})
    end
{%- endmacro %}

{#- First day of the month of a date column, as a DATE. -#}
{% macro month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{#- DATE from integer year / month (day 1). -#}
{% macro month_start_from_parts(year_expr, month_expr) -%}
    {{ return(adapter.dispatch('month_start_from_parts', 'datalive')(year_expr, month_expr)) }}
{%- endmacro %}

{% macro default__month_start_from_parts(year_expr, month_expr) -%}
    date_from_parts({{ year_expr }}, {{ month_expr }}, 1)
{%- endmacro %}

{% macro duckdb__month_start_from_parts(year_expr, month_expr) -%}
    make_date(cast({{ year_expr }} as integer), cast({{ month_expr }} as integer), 1)
{%- endmacro %}

{#-
  Daily production roll-up of the wells to `group_col` (field_id or facility_id), with the
  same KPIs as the well fact, water injected, moving averages and day-over-day variance.
  Reads the well facts for the window and silver (through the intermediate models) for the look-back
  days before it (window_days_from_fact), writes the window.
-#}
{% macro daily_production_rollup(group_col) -%}
with

well_days as (
    {{ window_days_from_fact(
        'fct_well_daily_production',
        'int_well_day_production',
        ['production_date', group_col, 'is_producing', 'day_hours', 'on_stream_hrs', 'downtime_hrs']
            + production_volume_columns() + production_rate_columns()
    ) }}
),

injection_days as (
    {{ window_days_from_fact(
        'fct_well_daily_injection',
        'int_well_day_injection',
        ['production_date', group_col, 'is_injecting', 'water_injected_sm3']
    ) }}
),

production_by_day as (
    select
        production_date,
        {{ group_col }},
        count(*) as n_wells_reporting,
        count(case when is_producing then 1 end) as n_wells_producing,
        {{ exact_sum('day_hours') }} as day_hours,
        {{ exact_sum('on_stream_hrs') }} as on_stream_hrs,
        {{ exact_sum('downtime_hrs') }} as downtime_hrs,
        {{ exact_sum('oil_sm3') }} as oil_sm3,
        {{ exact_sum('gas_sm3') }} as gas_sm3,
        {{ exact_sum('water_sm3') }} as water_sm3,
        {{ exact_sum('oil_rate_sm3d') }} as oil_rate_sm3d,
        {{ exact_sum('gas_rate_sm3d') }} as gas_rate_sm3d,
        {{ exact_sum('water_rate_sm3d') }} as water_rate_sm3d
    from well_days
    group by production_date, {{ group_col }}
),

injection_by_day as (
    select
        production_date,
        {{ group_col }},
        count(*) as n_injectors_reporting,
        count(case when is_injecting then 1 end) as n_wells_injecting,
        {{ exact_sum('water_injected_sm3') }} as water_injected_sm3
    from injection_days
    group by production_date, {{ group_col }}
),

group_days as (
    select
        coalesce(p.production_date, i.production_date) as production_date,
        coalesce(p.{{ group_col }}, i.{{ group_col }}) as {{ group_col }},
        coalesce(p.n_wells_reporting, 0) as n_wells_reporting,
        coalesce(p.n_wells_producing, 0) as n_wells_producing,
        coalesce(i.n_injectors_reporting, 0) as n_injectors_reporting,
        coalesce(i.n_wells_injecting, 0) as n_wells_injecting,
        p.day_hours,
        p.on_stream_hrs,
        p.downtime_hrs,
        p.oil_sm3,
        p.gas_sm3,
        p.water_sm3,
        p.oil_rate_sm3d,
        p.gas_rate_sm3d,
        p.water_rate_sm3d,
        coalesce(i.water_injected_sm3, 0) as water_injected_sm3
    from production_by_day as p
    full outer join injection_by_day as i
        on p.production_date = i.production_date
        and p.{{ group_col }} = i.{{ group_col }}
),

with_kpis as (
    select
        production_date,
        {{ group_col }},
        n_wells_reporting,
        n_wells_producing,
        n_injectors_reporting,
        n_wells_injecting,
        day_hours,
        on_stream_hrs,
        downtime_hrs,
        {{ uptime('on_stream_hrs', 'day_hours') }} as uptime,
        oil_sm3,
        gas_sm3,
        water_sm3,
        water_injected_sm3,
        {{ water_cut('oil_sm3', 'water_sm3') }} as water_cut,
        {{ gor('gas_sm3', 'oil_sm3') }} as gor,
        oil_rate_sm3d,
        gas_rate_sm3d,
        water_rate_sm3d,
        {{ trailing_days_avg('oil_sm3', 7, group_col) }} as oil_sm3_ma7,
        {{ trailing_days_avg('gas_sm3', 7, group_col) }} as gas_sm3_ma7,
        {{ trailing_days_avg('water_sm3', 7, group_col) }} as water_sm3_ma7,
        {{ trailing_days_avg('oil_sm3', 30, group_col) }} as oil_sm3_ma30,
        {{ trailing_days_avg('gas_sm3', 30, group_col) }} as gas_sm3_ma30,
        {{ trailing_days_avg('water_sm3', 30, group_col) }} as water_sm3_ma30,
        {{ previous_day_value('oil_sm3', group_col) }} as prev_day_oil_sm3
    from group_days
)

select
    *,
    oil_sm3 - prev_day_oil_sm3 as oil_dod_change_sm3,
    100 * {{ safe_ratio('oil_sm3 - prev_day_oil_sm3', 'prev_day_oil_sm3') }} as oil_dod_change_pct
from with_kpis
where {{ partition_window_predicate('production_date', 'day') }}
{%- endmacro %}

{#-
  Reconciliation difference a - b (daily minus reported), a missing side counting as 0;
  null only when both sides are null. Rounded to 3 decimals to drop floating-point noise.
-#}
{% macro reconciliation_diff(a, b) -%}
    case when {{ a }} is null and {{ b }} is null then null
         else round(coalesce({{ a }}, 0) - coalesce({{ b }}, 0), 3) end
{%- endmacro %}

{#-
  The rows of `view` (an intermediate well-day model) from `first_day` to `last_day` (by default the
  look-back start to the window's end), read as the window's days from `fact`, the well mart this run
  has just rebuilt from `view` for exactly those days, and the other days from `view` itself. The rows
  and values are the ones `view` alone gives, but a roll-up no longer evaluates the register join
  again for the window (on a first load, every day; 40 thread-seconds at 10,000 wells in issue 23's
  profile). The days outside the window never come from the mart, whose other months may not be built
  yet, so a window's result does not depend on the order its months are built in.
-#}
{% macro window_days_from_fact(fact, view, columns, first_day=none, last_day=none) -%}
    select {{ column_list(columns) }}
    from {{ ref(fact) }}
    where {{ partition_window_predicate('production_date', 'day') }}
    union all
    select {{ column_list(columns) }}
    from {{ ref(view) }}
    where production_date between {{ first_day or lookback_start() }} and {{ last_day or window_end() }}
        and not ({{ partition_window_predicate('production_date', 'day') }})
{%- endmacro %}
