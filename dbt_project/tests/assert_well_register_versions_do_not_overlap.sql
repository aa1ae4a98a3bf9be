-- A well's register versions must not overlap in time (else a well-day would match two
-- versions). Returns the overlapping pairs.
with versions as (
    select * from {{ ref('int_well_register_versions') }}
)

select
    a.well_id,
    a.valid_from as version_a_valid_from,
    a.valid_to_inclusive as version_a_valid_to,
    b.valid_from as version_b_valid_from,
    b.valid_to_inclusive as version_b_valid_to
from versions as a
inner join versions as b
    on a.well_id = b.well_id
        and a.valid_from < b.valid_from
        and a.valid_to_inclusive >= b.valid_from
