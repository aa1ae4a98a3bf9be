{#-
  CTEs `valid_version` and `joined`: the well-days of CTE `well_days`, each with the register
  version (CTE `register`, int_well_register_versions) valid on its day as register_well_type and
  register_status, null when no version covers the day; one row per well-day, the latest version
  should versions overlap (silver refuses a register whose intervals overlap). The version is chosen
  on the keys alone and joined back, which is cheaper than de-duplicating the wide joined rows
  (row_number).
-#}
{% macro register_version_on_day(well_days, register) -%}
valid_version as (
    select d.well_id, d.production_date, max(r.valid_from) as valid_from
    from {{ well_days }} as d
    inner join {{ register }} as r
        on d.well_id = r.well_id
        and d.production_date between r.valid_from and r.valid_to_inclusive
    group by d.well_id, d.production_date
),

joined as (
    select
        d.*,
        r.well_type as register_well_type,
        r.status as register_status
    from {{ well_days }} as d
    left join valid_version as v
        on d.well_id = v.well_id
        and d.production_date = v.production_date
    left join {{ register }} as r
        on v.well_id = r.well_id
        and v.valid_from = r.valid_from
)
{%- endmacro %}
