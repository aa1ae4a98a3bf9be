{#-
  Data tests scoped to the partition window.

  A daily run rewrites only its window (incremental models, strategy replace_window), so a test of a
  windowed relation needs to read only the window: rows outside it were tested when they were written
  and nothing has touched them since. Without this, a new day's tests scan every year of history and
  the cost of a day grows with the history it sits on.

  dbt_project.yml sets `where: "__partition_window__"` on every test of this project. For a relation
  whose meta names its window column (`partition_window: {column, grain}`, as incremental models do;
  sources and views over silver declare it too) the placeholder becomes that relation's window
  predicate; for any other relation (registers, calendars, dimensions) the test reads the whole
  relation. Without window vars the window covers every date, so a full rebuild tests everything.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__partition_window__' in where -%}
        {%- set window = _partition_window_of(relation) -%}
        {%- if window -%}
            {#- A row whose window column is null belongs to no window: every run's tests see it. -#}
            {%- set predicate = '(' ~ partition_window_predicate(window['column'], window.get('grain', 'day'))
                ~ ' or ' ~ window['column'] ~ ' is null)' -%}
            {%- set where = where | replace('__partition_window__', predicate) -%}
        {%- else -%}
            {%- set where = where | replace('__partition_window__', 'true') -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where and where | trim != 'true' -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- meta.partition_window of the model or source behind a relation, or none. -#}
{% macro _partition_window_of(relation) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set schema = (relation.schema or '') | lower -%}
    {%- set identifier = (relation.identifier or '') | lower -%}
    {%- for node in graph.nodes.values() | list + graph.sources.values() | list -%}
        {%- if node.resource_type in ('model', 'source') -%}
            {%- set name = (node.get('alias') or node.get('identifier') or node.name) | lower -%}
            {%- if name == identifier and (node.schema | lower) == schema -%}
                {%- set meta = node.config.get('meta') or node.get('meta') or {} -%}
                {{ return(meta.get('partition_window')) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}
