-- Well register versions (SCD type 2); typing / naming only.
with source as (
    select * from {{ source('silver', 'well_register') }}
)

select
    {{ well_identity_casts() }},
    cast(status as varchar) as status,
    cast(valid_from as date) as valid_from,
    cast(valid_to as date) as valid_to,
    cast(timezone as varchar) as timezone
from source
