-- Grain: one row per well_id x month_start. Daily silver volumes summed per month, full
-- outer joined with the operator's reported monthly values, with the differences
-- (daily - reported). Every month intersecting the partition window is recomputed in full: its
-- days in the window from the well facts just rebuilt, any others from silver.
with production as (
    {{ window_days_from_fact(
        'fct_well_daily_production',
        'int_well_day_production',
        ['well_id', 'production_date', 'field_id', 'facility_id', 'is_producing', 'day_hours', 'on_stream_hrs']
            + production_volume_columns(),
        window_month_start(),
        window_month_end()
    ) }}
),

injection as (
    {{ window_days_from_fact(
        'fct_well_daily_injection',
        'int_well_day_injection',
        ['well_id', 'production_date', 'field_id', 'facility_id', 'is_injecting', 'on_stream_hrs',
            'water_injected_sm3'],
        window_month_start(),
        window_month_end()
    ) }}
),

quarantine as (
    select * from {{ ref('int_quarantine_well_day') }}
    where production_date between {{ window_month_start() }} and {{ window_month_end() }}
        and disposition = 'rejected'
),

reported as (
    select * from {{ ref('stg_reported_monthly') }}
    where {{ partition_window_predicate('month_start', 'month') }}
),

current_register as (
    select * from {{ ref('int_well_register_versions') }}
    where is_current
),

months as (
    select distinct
        month_start,
        year,
        month,
        days_in_month
    from {{ ref('int_calendar_days') }}
),

production_by_month as (
    select
        well_id,
        {{ month_start('production_date') }} as month_start,
        max(field_id) as field_id,
        max(facility_id) as facility_id,
        count(*) as production_days,
        count(case when is_producing then 1 end) as producing_days,
        {{ exact_sum('day_hours') }} as production_day_hours,
        {{ exact_sum('on_stream_hrs') }} as production_on_stream_hrs,
        {{ exact_sum('oil_sm3') }} as oil_sm3,
        {{ exact_sum('gas_sm3') }} as gas_sm3,
        {{ exact_sum('water_sm3') }} as water_sm3
    from production
    group by well_id, {{ month_start('production_date') }}
),

injection_by_month as (
    select
        well_id,
        {{ month_start('production_date') }} as month_start,
        max(field_id) as field_id,
        max(facility_id) as facility_id,
        count(*) as injection_days,
        count(case when is_injecting then 1 end) as injecting_days,
        {{ exact_sum('on_stream_hrs') }} as injection_on_stream_hrs,
        {{ exact_sum('water_injected_sm3') }} as water_injected_sm3
    from injection
    group by well_id, {{ month_start('production_date') }}
),

reported_days_by_month as (
    select
        well_id,
        {{ month_start('production_date') }} as month_start,
        count(*) as days_reported
    from (
        select
            well_id,
            production_date
        from production
        union
        select
            well_id,
            production_date
        from injection
    ) as well_days
    group by well_id, {{ month_start('production_date') }}
),

quarantine_by_month as (
    select
        well_id,
        {{ month_start('production_date') }} as month_start,
        count(*) as n_quarantined_records,
        {{ exact_sum('oil_sm3') }} as quarantined_oil_sm3,
        {{ exact_sum('gas_sm3') }} as quarantined_gas_sm3,
        {{ exact_sum('water_sm3') }} as quarantined_water_sm3,
        {{ exact_sum('water_injected_sm3') }} as quarantined_water_injected_sm3
    from quarantine
    where well_id is not null
    group by well_id, {{ month_start('production_date') }}
),

daily_by_month as (
    select
        d.well_id,
        d.month_start,
        coalesce(p.field_id, i.field_id) as field_id,
        coalesce(p.facility_id, i.facility_id) as facility_id,
        d.days_reported,
        coalesce(p.production_days, 0) as production_days,
        coalesce(p.producing_days, 0) as producing_days,
        coalesce(i.injection_days, 0) as injection_days,
        coalesce(i.injecting_days, 0) as injecting_days,
        p.production_day_hours,
        p.production_on_stream_hrs,
        i.injection_on_stream_hrs,
        case when p.production_on_stream_hrs is null and i.injection_on_stream_hrs is null then null
            else coalesce(p.production_on_stream_hrs, 0) + coalesce(i.injection_on_stream_hrs, 0)
        end as on_stream_hrs,
        p.oil_sm3,
        p.gas_sm3,
        p.water_sm3,
        i.water_injected_sm3
    from reported_days_by_month as d
    left join production_by_month as p
        on d.well_id = p.well_id and d.month_start = p.month_start
    left join injection_by_month as i
        on d.well_id = i.well_id and d.month_start = i.month_start
),

joined as (
    select
        coalesce(d.well_id, r.well_id) as well_id,
        coalesce(d.month_start, r.month_start) as month_start,
        d.field_id as daily_field_id,
        d.facility_id as daily_facility_id,
        d.well_id is not null as in_daily,
        r.well_id is not null as in_reported,
        coalesce(d.days_reported, 0) as days_reported,
        coalesce(d.production_days, 0) as production_days,
        coalesce(d.producing_days, 0) as producing_days,
        coalesce(d.injection_days, 0) as injection_days,
        coalesce(d.injecting_days, 0) as injecting_days,
        d.production_day_hours,
        d.production_on_stream_hrs,
        d.injection_on_stream_hrs,
        d.on_stream_hrs,
        d.oil_sm3,
        d.gas_sm3,
        d.water_sm3,
        d.water_injected_sm3,
        r.on_stream_hrs as reported_on_stream_hrs,
        r.oil_sm3 as reported_oil_sm3,
        r.gas_sm3 as reported_gas_sm3,
        r.water_sm3 as reported_water_sm3,
        r.gi_sm3 as reported_gi_sm3,
        r.wi_sm3 as reported_wi_sm3
    from daily_by_month as d
    full outer join reported as r
        on d.well_id = r.well_id and d.month_start = r.month_start
)

select
    j.month_start,
    m.year,
    m.month,
    m.days_in_month,
    j.well_id,
    coalesce(j.daily_field_id, c.field_id) as field_id,
    coalesce(j.daily_facility_id, c.facility_id) as facility_id,
    c.well_type as current_well_type,
    j.in_daily,
    j.in_reported,
    j.days_reported,
    j.production_days,
    j.producing_days,
    j.injection_days,
    j.injecting_days,
    j.production_on_stream_hrs,
    j.injection_on_stream_hrs,
    j.on_stream_hrs,
    {{ uptime('j.production_on_stream_hrs', 'j.production_day_hours') }} as production_uptime,
    j.oil_sm3,
    j.gas_sm3,
    j.water_sm3,
    j.water_injected_sm3,
    {{ water_cut('j.oil_sm3', 'j.water_sm3') }} as water_cut,
    {{ gor('j.gas_sm3', 'j.oil_sm3') }} as gor,
    j.reported_on_stream_hrs,
    j.reported_oil_sm3,
    j.reported_gas_sm3,
    j.reported_water_sm3,
    j.reported_gi_sm3,
    j.reported_wi_sm3,
    {{ reconciliation_diff('j.on_stream_hrs', 'j.reported_on_stream_hrs') }} as on_stream_hrs_diff,
    {{ reconciliation_diff('j.oil_sm3', 'j.reported_oil_sm3') }} as oil_sm3_diff,
    {{ reconciliation_diff('j.gas_sm3', 'j.reported_gas_sm3') }} as gas_sm3_diff,
    {{ reconciliation_diff('j.water_sm3', 'j.reported_water_sm3') }} as water_sm3_diff,
    {{ reconciliation_diff('j.water_injected_sm3', 'j.reported_wi_sm3') }} as water_injected_sm3_diff,
    coalesce(q.n_quarantined_records, 0) as n_quarantined_records,
    q.quarantined_oil_sm3,
    q.quarantined_gas_sm3,
    q.quarantined_water_sm3,
    q.quarantined_water_injected_sm3
from joined as j
left join months as m
    on j.month_start = m.month_start
left join current_register as c
    on j.well_id = c.well_id
left join quarantine_by_month as q
    on j.well_id = q.well_id and j.month_start = q.month_start
