-- Grain: one row per well_id. Current register version plus production / injection history.
-- Rebuilt in full on every run from the register and the per-month totals (int_well_month_totals),
-- so its cost grows with wells x months, not with every well-day of the history.
with versions as (
    select * from {{ ref('int_well_register_versions') }}
),

current_version as (
    select * from versions
    where is_current
),

months as (
    select * from {{ ref('int_well_month_totals') }}
),

production as (
    select
        well_id,
        min(first_date) as first_production_date,
        max(last_date) as last_production_date,
        min(first_hydrocarbon_date) as first_hydrocarbon_date,
        max(last_hydrocarbon_date) as last_hydrocarbon_date,
        cast(sum(n_days) as bigint) as n_production_days,
        cast(sum(oil_sm3) as double) as cum_oil_sm3,
        cast(sum(gas_sm3) as double) as cum_gas_sm3,
        cast(sum(water_sm3) as double) as cum_water_sm3,
        max(wellbore_code) as wellbore_code,
        max(field_id) as field_id,
        max(facility_id) as facility_id
    from months
    where flow = 'production'
    group by well_id
),

injection as (
    select
        well_id,
        min(first_date) as first_injection_date,
        max(last_date) as last_injection_date,
        cast(sum(n_days) as bigint) as n_injection_days,
        cast(sum(water_injected_sm3) as double) as cum_water_injected_sm3,
        max(wellbore_code) as wellbore_code,
        max(field_id) as field_id,
        max(facility_id) as facility_id
    from months
    where flow = 'injection'
    group by well_id
),

all_wells as (
    select well_id from current_version
    union
    select well_id from production
    union
    select well_id from injection
)

select
    w.well_id,
    coalesce(c.wellbore_code, p.wellbore_code, i.wellbore_code) as wellbore_code,
    c.npd_wellbore_code,
    coalesce(c.field_id, p.field_id, i.field_id) as field_id,
    coalesce(c.facility_id, p.facility_id, i.facility_id) as facility_id,
    c.well_type,
    c.status,
    c.timezone,
    c.valid_from as current_version_valid_from,
    c.valid_to as current_version_valid_to,
    coalesce(c.n_register_versions, 0) as n_register_versions,
    c.well_id is not null as in_register,
    p.first_production_date,
    p.last_production_date,
    p.first_hydrocarbon_date,
    p.last_hydrocarbon_date,
    coalesce(p.n_production_days, 0) as n_production_days,
    i.first_injection_date,
    i.last_injection_date,
    coalesce(i.n_injection_days, 0) as n_injection_days,
    p.cum_oil_sm3,
    p.cum_gas_sm3,
    p.cum_water_sm3,
    i.cum_water_injected_sm3
from all_wells as w
left join current_version as c on w.well_id = c.well_id
left join production as p on w.well_id = p.well_id
left join injection as i on w.well_id = i.well_id
