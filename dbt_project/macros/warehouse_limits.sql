{#-
  DuckDB's memory limit and threads for this run: the JSON object in DATALIVE_DUCKDB_SETTINGS, which
  da_platform.env decides from the machine (e.g. {"memory_limit": "16GiB", "threads": 2}). Both are
  settings of the whole database instance, so setting them on the hook's connection sets them for
  every thread of the run. They are set here and not in profiles.yml because dbt keys its partial-parse
  state on what the profile renders. A dbt run by hand without the variable keeps DuckDB's defaults;
  other warehouses ignore it. Only these two names, with plain values, are accepted: the text becomes SQL.
-#}
{% macro apply_warehouse_limits() -%}
    {%- if target.type != 'duckdb' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set limits = fromjson(env_var('DATALIVE_DUCKDB_SETTINGS', '{}') or '{}') -%}
    {%- set statements = [] -%}
    {%- for name, value in limits.items() -%}
        {%- if name not in ('memory_limit', 'threads') -%}
            {{ exceptions.raise_compiler_error("DATALIVE_DUCKDB_SETTINGS: unknown setting '" ~ name ~ "' (memory_limit, threads)") }}
        {%- endif -%}
        {%- if not modules.re.match('^[0-9]+(\\.[0-9]+)?\\s*[A-Za-z]*$', value | string) -%}
            {{ exceptions.raise_compiler_error("DATALIVE_DUCKDB_SETTINGS: " ~ name ~ " must be a number with an optional unit, got '" ~ value ~ "'") }}
        {%- endif -%}
        {%- do statements.append("set " ~ name ~ " = '" ~ value ~ "'") -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
