-- Quarantined source records (rejected or superseded); typing / naming only.
with source as (
    select * from {{ source('silver', 'quarantine') }}
)

select
    cast(production_date as date) as production_date,
    cast(wellbore_code as varchar) as wellbore_code,
    cast(rule_id as varchar) as rule_id,
    cast(disposition as varchar) as disposition,
    cast(reason as varchar) as reason,
    cast(oil_sm3 as double) as oil_sm3,
    cast(gas_sm3 as double) as gas_sm3,
    cast(water_sm3 as double) as water_sm3,
    cast(water_injected_sm3 as double) as water_injected_sm3,
    cast(raw_record as varchar) as raw_record,
    cast(source_file as varchar) as source_file,
    cast(source_row as bigint) as source_row
from source
