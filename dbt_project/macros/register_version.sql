{#-
  CTE `joined`: the well-days of CTE `well_days`, each with the register version (CTE `register`,
  int_well_register_versions) valid on its day as register_well_type and register_status, null when
  no version covers the day; one row per well-day, the latest version (greatest valid_from) should
  versions overlap.

  The choice is made on the register alone, which is small: its versions' bounds cut each well's
  timeline into segments, and each segment takes the latest version covering it. The segments of a
  well do not overlap, so each well-day meets at most one of them in a plain equi-join on well_id with
  a range condition. Choosing per well-day instead (a max over the versions covering each day, by
  join or correlated subquery) grouped the whole well-day history by (well_id, production_date):
  9.2 s against 1.9 s to read int_well_day_production at 10,000 wells x 5 years, and as much again
  in each test that reads the view.
-#}
{% macro register_version_on_day(well_days, register) -%}
register_bounds as (
    select well_id, valid_from as segment_from
    from {{ register }}
    union
    select well_id, cast({{ dbt.dateadd('day', 1, 'valid_to_inclusive') }} as date) as segment_from
    from {{ register }}
    where valid_to_inclusive < cast('9999-12-31' as date)
),

register_segments as (
    select
        well_id,
        segment_from,
        coalesce(
            cast({{ dbt.dateadd('day', -1, 'lead(segment_from) over (partition by well_id order by segment_from)') }} as date),
            cast('9999-12-31' as date)
        ) as segment_to_inclusive
    from register_bounds
),

segment_version as (
    select s.well_id, s.segment_from, s.segment_to_inclusive, max(r.valid_from) as valid_from
    from register_segments as s
    inner join {{ register }} as r
        on s.well_id = r.well_id
        and s.segment_from between r.valid_from and r.valid_to_inclusive
    group by s.well_id, s.segment_from, s.segment_to_inclusive
),

segment_register as (
    select v.well_id, v.segment_from, v.segment_to_inclusive, r.well_type, r.status
    from segment_version as v
    inner join {{ register }} as r
        on v.well_id = r.well_id
        and v.valid_from = r.valid_from
),

joined as (
    select
        d.*,
        s.well_type as register_well_type,
        s.status as register_status
    from {{ well_days }} as d
    left join segment_register as s
        on d.well_id = s.well_id
        and d.production_date between s.segment_from and s.segment_to_inclusive
)
{%- endmacro %}
