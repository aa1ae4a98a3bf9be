-- Quarantined records mapped from wellbore_code to well_id (through the register).
with quarantine as (
    select * from {{ ref('stg_quarantine') }}
),

wellbores as (
    select distinct
        wellbore_code,
        well_id
    from {{ ref('stg_well_register') }}
)

select
    q.production_date,
    w.well_id,
    q.wellbore_code,
    q.rule_id,
    q.disposition,
    q.reason,
    q.oil_sm3,
    q.gas_sm3,
    q.water_sm3,
    q.water_injected_sm3
from quarantine as q
left join wellbores as w
    on q.wellbore_code = w.wellbore_code
