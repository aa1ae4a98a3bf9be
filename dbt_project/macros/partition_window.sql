{#-
  Partition window helpers.

  dbt runs once per window of partitions, both days inclusive. The orchestrator passes the window
  as the environment variables DATALIVE_WINDOW_START_DATE / DATALIVE_WINDOW_END_DATE: dbt's partial
  parsing then re-parses only the models that read them, where a new --vars value re-parses the
  whole project on every run. By hand,
      --vars '{"start_date": "YYYY-MM-DD", "end_date": "YYYY-MM-DD"}'
  does the same (the environment variables win when set).
  The values are validated here (strict ISO date, start <= end) and rendered as date
  literals; no SQL is ever assembled from free text. Defaults (dbt_project.yml) cover all dates.
-#}

{#- The window bound `name` ('start_date' or 'end_date') as given, from the environment or --vars. -#}
{% macro _window_value(name) -%}
    {{ return(env_var('DATALIVE_WINDOW_' ~ (name | upper), '') or var(name)) }}
{%- endmacro %}

{% macro _window_var_as_date(name) -%}
    {%- set raw = _window_value(name) | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', raw) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be an ISO date YYYY-MM-DD, got: " ~ raw) }}
    {%- endif -%}
    {%- set parsed = modules.datetime.datetime.strptime(raw, '%Y-%m-%d').date() -%}
    {{ return(parsed) }}
{%- endmacro %}

{% macro _window_bounds() -%}
    {%- set start = _window_var_as_date('start_date') -%}
    {%- set end = _window_var_as_date('end_date') -%}
    {%- if start > end -%}
        {{ exceptions.raise_compiler_error("start_date (" ~ start ~ ") is after end_date (" ~ end ~ ")") }}
    {%- endif -%}
    {{ return([start, end]) }}
{%- endmacro %}

{% macro _date_literal(d) -%}
    cast('{{ d.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}

{#- First day of the window. -#}
{% macro window_start() -%}
    {{ _date_literal(_window_bounds()[0]) }}
{%- endmacro %}

{#- Last day of the window (inclusive). -#}
{% macro window_end() -%}
    {{ _date_literal(_window_bounds()[1]) }}
{%- endmacro %}

{#- First day of the look-back read before the window (start_date - lookback_days). -#}
{% macro lookback_start() -%}
    {%- set days = var('lookback_days') | int -%}
    {%- if days < 29 -%}
        {{ exceptions.raise_compiler_error("lookback_days must be >= 29 for the 30-day moving averages, got " ~ days) }}
    {%- endif -%}
    {%- set start = _window_bounds()[0] -%}
    {{ _date_literal(start - modules.datetime.timedelta(days=days)) }}
{%- endmacro %}

{#- First day of the month containing start_date. -#}
{% macro window_month_start() -%}
    {{ _date_literal(_window_bounds()[0].replace(day=1)) }}
{%- endmacro %}

{#- Last day of the month containing end_date. -#}
{% macro window_month_end() -%}
    {%- set end = _window_bounds()[1] -%}
    {%- if end.month == 12 -%}
        {%- set last = end.replace(day=31) -%}
    {%- else -%}
        {%- set last = end.replace(month=end.month + 1, day=1) - modules.datetime.timedelta(days=1) -%}
    {%- endif -%}
    {{ _date_literal(last) }}
{%- endmacro %}

{#-
  Predicate selecting the rows of a model that belong to the current window.
    grain='day'  : column is a date            -> column between start_date and end_date
    grain='month': column is a month's 1st day -> every month intersecting the window
-#}
{% macro partition_window_predicate(column, grain='day') -%}
    {%- do _refuse_partial_full_refresh() -%}
    {%- if grain == 'day' -%}
        {{ column }} between {{ window_start() }} and {{ window_end() }}
    {%- elif grain == 'month' -%}
        {{ column }} between {{ window_month_start() }} and {{ window_end() }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("partition window grain must be 'day' or 'month', got: " ~ grain) }}
    {%- endif -%}
{%- endmacro %}

{#-
  A --full-refresh rebuilds the table from the model's rows only, so with a partition window it
  would silently drop every other date. Refuse it unless the window is the default (all dates).
-#}
{% macro _refuse_partial_full_refresh() -%}
    {%- set start, end = _window_value('start_date') | string, _window_value('end_date') | string -%}
    {%- if flags.FULL_REFRESH and (start != '1900-01-01' or end != '9999-12-31') -%}
        {{ exceptions.raise_compiler_error(
            "--full-refresh with a partition window (start_date=" ~ start ~ ", end_date=" ~ end
            ~ ") would keep only that window. Run --full-refresh without start_date/end_date vars.") }}
    {%- endif -%}
{%- endmacro %}
