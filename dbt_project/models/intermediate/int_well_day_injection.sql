-- Injecting well-days joined with the register version valid on that day (see
-- int_well_day_production for the well_type rule).
with injection as (
    select * from {{ ref('stg_well_day_injection') }}
),

register as (
    select * from {{ ref('int_well_register_versions') }}
),

-- The version valid on the day, the latest one should versions overlap (silver refuses a register
-- whose intervals overlap). Chosen on the keys alone and joined back: de-duplicating the wide
-- joined rows instead (row_number) made reading this view 1.35x slower at 10,000 wells.
valid_version as (
    select i.well_id, i.production_date, max(r.valid_from) as valid_from
    from injection as i
    inner join register as r
        on i.well_id = r.well_id
        and i.production_date between r.valid_from and r.valid_to_inclusive
    group by i.well_id, i.production_date
),

joined as (
    select
        i.*,
        r.well_type as register_well_type,
        r.status as register_status
    from injection as i
    left join valid_version as v
        on i.well_id = v.well_id
        and i.production_date = v.production_date
    left join register as r
        on v.well_id = r.well_id
        and v.valid_from = r.valid_from
)

select
    production_date,
    well_id,
    wellbore_code,
    npd_wellbore_code,
    field_id,
    facility_id,
    coalesce(register_well_type, well_type) as well_type,
    reported_well_type,
    register_status,
    register_well_type is not null as in_register_on_day,
    day_hours,
    on_stream_hrs,
    downtime_hrs,
    water_injected_sm3,
    (coalesce(on_stream_hrs, 0) > 0 or coalesce(water_injected_sm3, 0) > 0) as is_injecting,
    case when on_stream_hrs >= 6 then water_injected_sm3 * 24 / on_stream_hrs end as water_injection_rate_sm3d,
    avg_whp_bar,
    avg_wht_c,
    avg_annulus_pressure_bar
from joined
