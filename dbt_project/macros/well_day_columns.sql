{#-
  Column lists shared by the production and injection well-day models, named once so that the
  staging, intermediate and mart models of the two well kinds cannot drift apart.
-#}

{#- The well-day's identity, in every well-day model and in this order. -#}
{% macro well_day_key_columns() -%}
    {{ return(['production_date', 'well_id', 'wellbore_code', 'npd_wellbore_code', 'field_id', 'facility_id']) }}
{%- endmacro %}

{#- The well type on the day and the register version it came from (int_ models onwards). -#}
{% macro well_day_register_columns() -%}
    {{ return(['well_type', 'reported_well_type', 'register_status', 'in_register_on_day']) }}
{%- endmacro %}

{#- Hours of the local day, on stream and down. -#}
{% macro well_day_hour_columns() -%}
    {{ return(['day_hours', 'on_stream_hrs', 'downtime_hrs']) }}
{%- endmacro %}

{#- Produced volumes, their daily rates and the production well's sensor averages. -#}
{% macro production_volume_columns() -%}
    {{ return(['oil_sm3', 'gas_sm3', 'water_sm3']) }}
{%- endmacro %}

{% macro production_rate_columns() -%}
    {{ return(['oil_rate_sm3d', 'gas_rate_sm3d', 'water_rate_sm3d']) }}
{%- endmacro %}

{% macro production_sensor_columns() -%}
    {{ return([
        'avg_downhole_pressure_bar', 'avg_downhole_temperature_c', 'avg_dp_tubing_bar',
        'avg_annulus_pressure_bar', 'avg_choke_size_pct', 'avg_whp_bar', 'avg_wht_c', 'dp_choke_size_bar',
    ]) }}
{%- endmacro %}

{#- The injection well's sensor averages. -#}
{% macro injection_sensor_columns() -%}
    {{ return(['avg_whp_bar', 'avg_wht_c', 'avg_annulus_pressure_bar']) }}
{%- endmacro %}

{#- `columns` as the items of a select list, comma-separated, one a line. -#}
{% macro column_list(columns) -%}
    {{ columns | join(',\n    ') }}
{%- endmacro %}

{#- A well's identity and type as silver spells them, typed: text, the NPD code an integer. -#}
{% macro well_identity_casts() -%}
    cast(well_id as varchar) as well_id,
    cast(wellbore_code as varchar) as wellbore_code,
    cast(npd_wellbore_code as bigint) as npd_wellbore_code,
    cast(field_id as varchar) as field_id,
    cast(facility_id as varchar) as facility_id,
    cast(well_type as varchar) as well_type
{%- endmacro %}

{#-
  A silver well-day table typed for the warehouse: keys and types as text (the NPD code as an
  integer), every hour and measure column as a double, then the source lineage.
-#}
{% macro staged_well_day(source_table, measure_columns) -%}
with source as (
    select * from {{ source('silver', source_table) }}
)

select
    cast(production_date as date) as production_date,
    {{ well_identity_casts() }},
    cast(reported_well_type as varchar) as reported_well_type,
    {%- for column in well_day_hour_columns() + measure_columns %}
    cast({{ column }} as double) as {{ column }},
    {%- endfor %}
    cast(source_file as varchar) as source_file,
    cast(source_row as bigint) as source_row
from source
{%- endmacro %}

{#-
  The well-days of staging model `staging_model` with the register version valid on each day
  (register_version_on_day): well_type is the register's type on the day, silver's when the day
  is outside every register interval; the type the source reported stays in reported_well_type.
  `activity_flag` is true when the well was on stream or moved any of `volume_columns`;
  `trailing_columns` (names or `expr as name` items) follow it.
-#}
{% macro well_days_on_register(staging_model, volume_columns, activity_flag, trailing_columns) -%}
with well_days as (
    select * from {{ ref(staging_model) }}
),

register as (
    select * from {{ ref('int_well_register_versions') }}
),

{{ register_version_on_day('well_days', 'register') }}

select
    {{ column_list(well_day_key_columns()) }},
    coalesce(register_well_type, well_type) as well_type,
    reported_well_type,
    register_status,
    register_well_type is not null as in_register_on_day,
    {{ column_list(well_day_hour_columns() + volume_columns) }},
    (
        coalesce(on_stream_hrs, 0) > 0
        or {% for column in volume_columns %}coalesce({{ column }}, 0){% if not loop.last %} + {% endif %}{% endfor %} > 0
    ) as {{ activity_flag }},
    {{ column_list(trailing_columns) }}
from joined
{%- endmacro %}

{#-
  Select items of the 7- and 30-day moving averages of `columns` (<column>_ma7 ..., then
  <column>_ma30 ...) over the well's calendar days (trailing_days_avg).
-#}
{% macro moving_average_columns(columns, partition_by) -%}
    {%- set items = [] -%}
    {%- for days in [7, 30] -%}
        {%- for column in columns -%}
            {%- do items.append(trailing_days_avg(column, days, partition_by) ~ ' as ' ~ column ~ '_ma' ~ days) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ column_list(items) }}
{%- endmacro %}

{#- The column names moving_average_columns produces, in its order. -#}
{% macro moving_average_names(columns) -%}
    {%- set names = [] -%}
    {%- for days in [7, 30] -%}
        {%- for column in columns -%}{%- do names.append(column ~ '_ma' ~ days) -%}{%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
