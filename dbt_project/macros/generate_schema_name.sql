{#-
  Schema naming for DatAlive.

  Every model sets the custom schema `gold` (dbt_project.yml). dbt's default would build
  `<target schema>_gold` (e.g. `main_gold`); here:
    * dev (DuckDB) and prod (Snowflake): exactly the custom schema -> `gold`
      (DuckDB file: gold.<model>; Snowflake: DB_PROD.GOLD.<model>).
    * qa (Snowflake): `<target schema>_<custom schema>` so that each pull request, which sets
      DATALIVE_SNOWFLAKE_SCHEMA (e.g. pr_123), builds into its own schema (PR_123_GOLD) and two
      PRs never overwrite each other. Without the env var: ANALYTICS_QA_GOLD.
    * nodes without a custom schema (none today) use the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- elif target.name == 'qa' -%}
        {{ target.schema | trim }}_{{ custom_schema_name | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
