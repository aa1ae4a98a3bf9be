-- Well register versions (SCD type 2); typing / naming only.
with source as (
    select * from {{ source('silver', 'well_register') }}
)

select
    cast(well_id as varchar) as well_id,
    cast(wellbore_code as varchar) as wellbore_code,
    cast(npd_wellbore_code as bigint) as npd_wellbore_code,
    cast(field_id as varchar) as field_id,
    cast(facility_id as varchar) as facility_id,
    cast(well_type as varchar) as well_type,
    cast(status as varchar) as status,
    cast(valid_from as date) as valid_from,
    cast(valid_to as date) as valid_to,
    cast(timezone as varchar) as timezone
from source
