{#-
  Generic test: the combination of `combination_of_columns` is unique in the model (one row per
  grain). Fails with one row per duplicated key, with its count.
  The project's own dbt_utils.unique_combination_of_columns, same name and arguments: dbt packages
  come from hub.getdbt.com / GitHub, which these builds cannot reach, and dbt_utils is not on PyPI.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns is string -%}
        {%- set combination_of_columns = [combination_of_columns] -%}
    {%- endif -%}
    {%- set columns_csv = combination_of_columns | join(', ') -%}
select
    {{ columns_csv }},
    count(*) as n_rows
from {{ model }}
group by {{ columns_csv }}
having count(*) > 1
{% endtest %}
