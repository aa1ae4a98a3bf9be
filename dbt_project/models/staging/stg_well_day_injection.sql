-- One row per well-day of an injecting well; typing / naming only.
with source as (
    select * from {{ source('silver', 'well_day_injection') }}
)

select
    cast(production_date as date) as production_date,
    cast(well_id as varchar) as well_id,
    cast(wellbore_code as varchar) as wellbore_code,
    cast(npd_wellbore_code as bigint) as npd_wellbore_code,
    cast(field_id as varchar) as field_id,
    cast(facility_id as varchar) as facility_id,
    cast(well_type as varchar) as well_type,
    cast(reported_well_type as varchar) as reported_well_type,
    cast(day_hours as double) as day_hours,
    cast(on_stream_hrs as double) as on_stream_hrs,
    cast(downtime_hrs as double) as downtime_hrs,
    cast(water_injected_sm3 as double) as water_injected_sm3,
    cast(avg_whp_bar as double) as avg_whp_bar,
    cast(avg_wht_c as double) as avg_wht_c,
    cast(avg_annulus_pressure_bar as double) as avg_annulus_pressure_bar,
    cast(source_file as varchar) as source_file,
    cast(source_row as bigint) as source_row
from source
