-- Register versions with a closed validity interval (valid_to_inclusive never null) and a
-- flag for the current version of each well (open-ended, else the latest valid_from).
with register as (
    select * from {{ ref('stg_well_register') }}
)

select
    well_id,
    wellbore_code,
    npd_wellbore_code,
    field_id,
    facility_id,
    well_type,
    status,
    timezone,
    valid_from,
    valid_to,
    coalesce(valid_to, cast('9999-12-31' as date)) as valid_to_inclusive,
    row_number() over (
        partition by well_id
        order by case when valid_to is null then 0 else 1 end, valid_from desc
    ) = 1 as is_current,
    count(*) over (partition by well_id) as n_register_versions
from register
