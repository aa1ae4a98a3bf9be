-- Injecting well-days joined with the register version valid on that day (see
-- int_well_day_production for the well_type rule).
with injection as (
    select * from {{ ref('stg_well_day_injection') }}
),

register as (
    select * from {{ ref('int_well_register_versions') }}
),

{{ register_version_on_day('injection', 'register') }}

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
