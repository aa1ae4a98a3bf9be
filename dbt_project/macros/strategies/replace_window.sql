{#-
  Custom incremental strategy `replace_window` (idempotent partition-window overwrite).

  Model config:
      materialized='incremental', incremental_strategy='replace_window',
      meta={'partition_window': {'column': '<date column>', 'grain': 'day' | 'month'}}

  On an incremental run it deletes every row of the target whose window column falls in the
  current partition window (see partition_window_predicate) and inserts the freshly computed
  rows of that window, in one transaction. Consequences:
    * rerunning a window yields identical rows, never duplicates;
    * a key that vanished from silver disappears from gold (the whole window is deleted, not
      only the keys present in the new batch, unlike dbt's delete+insert);
    * rows the model returns outside the window (e.g. look-back rows) are never inserted.
-#}
{% macro get_incremental_replace_window_sql(arg_dict) %}
    {%- set window = (config.get('meta') or {}).get('partition_window') -%}
    {%- if not window or not window.get('column') -%}
        {{ exceptions.raise_compiler_error("incremental_strategy 'replace_window' needs config meta.partition_window.column") }}
    {%- endif -%}
    {%- set predicate = partition_window_predicate(window['column'], window.get('grain', 'day')) -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set dml -%}
delete from {{ arg_dict['target_relation'] }}
where {{ predicate }};

insert into {{ arg_dict['target_relation'] }} ({{ dest_cols_csv }})
select {{ dest_cols_csv }}
from {{ arg_dict['temp_relation'] }}
where {{ predicate }}
    {%- endset -%}
    {{ return(adapter.dispatch('replace_window_transaction', 'datalive')(dml)) }}
{% endmacro %}

{#- DuckDB: the incremental materialization already runs the statement inside BEGIN ... COMMIT. -#}
{% macro default__replace_window_transaction(dml) %}
    {{ return(dml) }}
{% endmacro %}

{#- Snowflake runs in autocommit mode: wrap delete + insert in an explicit transaction. -#}
{% macro snowflake__replace_window_transaction(dml) %}
    {{ return(snowflake_dml_explicit_transaction(dml)) }}
{% endmacro %}
