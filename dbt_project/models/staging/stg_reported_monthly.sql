-- Operator-reported monthly volumes per well; typing / naming, plus the month's first day.
with source as (
    select * from {{ source('silver', 'reported_monthly') }}
)

select
    cast(well_id as varchar) as well_id,
    cast(npd_wellbore_code as bigint) as npd_wellbore_code,
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start_from_parts('year', 'month') }} as month_start,
    cast(on_stream_hrs as double) as on_stream_hrs,
    cast(oil_sm3 as double) as oil_sm3,
    cast(gas_sm3 as double) as gas_sm3,
    cast(water_sm3 as double) as water_sm3,
    cast(gi_sm3 as double) as gi_sm3,
    cast(wi_sm3 as double) as wi_sm3,
    cast(source_file as varchar) as source_file,
    cast(source_row as bigint) as source_row
from source
