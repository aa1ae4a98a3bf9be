{#-
  Generic test: every non-null value of `column_name` lies in [min_value, max_value] (bounds
  optional; `inclusive=false` makes them strict). Restrict rows with the standard `config: where:`
  of dbt tests. Fails with the offending rows.
  The project's own dbt_utils.accepted_range, same name and arguments: dbt packages come from
  hub.getdbt.com / GitHub, which these builds cannot reach, and dbt_utils is not on PyPI.
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("accepted_range needs min_value and/or max_value") }}
    {%- endif -%}
    {%- set ge = '>=' if inclusive else '>' -%}
    {%- set le = '<=' if inclusive else '<' -%}
select *
from {{ model }}
where {{ column_name }} is not null
  and not (
      1 = 1
      {%- if min_value is not none %}
      and {{ column_name }} {{ ge }} {{ min_value }}
      {%- endif %}
      {%- if max_value is not none %}
      and {{ column_name }} {{ le }} {{ max_value }}
      {%- endif %}
  )
{% endtest %}
