-- Producing well-days joined with the register version valid on that day.
-- well_type = register type on the day (falls back to silver's type when the day is outside
-- every register interval); the type reported by the source stays in reported_well_type.
with production as (
    select * from {{ ref('stg_well_day_production') }}
),

register as (
    select * from {{ ref('int_well_register_versions') }}
),

{{ register_version_on_day('production', 'register') }}

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
    oil_sm3,
    gas_sm3,
    water_sm3,
    (coalesce(on_stream_hrs, 0) > 0
        or coalesce(oil_sm3, 0) + coalesce(gas_sm3, 0) + coalesce(water_sm3, 0) > 0) as is_producing,
    oil_rate_sm3d,
    gas_rate_sm3d,
    water_rate_sm3d,
    avg_downhole_pressure_bar,
    avg_downhole_temperature_c,
    avg_dp_tubing_bar,
    avg_annulus_pressure_bar,
    avg_choke_size_pct,
    avg_whp_bar,
    avg_wht_c,
    dp_choke_size_bar
from joined
