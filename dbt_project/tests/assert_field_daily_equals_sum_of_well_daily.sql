-- fct_field_daily_production must equal the sum of fct_well_daily_production per field-day
-- (oil, gas, water, on-stream hours, number of wells). Returns the field-days that differ.
-- Only the run's window: days outside it were tested when written and have not changed since.
with wells as (
    select
        production_date,
        field_id,
        count(*) as n_wells_reporting,
        sum(oil_sm3) as oil_sm3,
        sum(gas_sm3) as gas_sm3,
        sum(water_sm3) as water_sm3,
        sum(on_stream_hrs) as on_stream_hrs
    from {{ ref('fct_well_daily_production') }}
    where {{ partition_window_predicate('production_date') }}
    group by production_date, field_id
)

select
    coalesce(f.production_date, w.production_date) as production_date,
    coalesce(f.field_id, w.field_id) as field_id,
    f.oil_sm3 as field_oil_sm3,
    w.oil_sm3 as wells_oil_sm3
from (
    select * from {{ ref('fct_field_daily_production') }}
    where {{ partition_window_predicate('production_date') }}
) as f
full outer join wells as w
    on f.production_date = w.production_date and f.field_id = w.field_id
where (f.n_wells_reporting > 0 or w.field_id is not null)
    and (
        f.production_date is null
        or w.production_date is null
        or f.n_wells_reporting <> w.n_wells_reporting
        or abs(coalesce(f.oil_sm3, 0) - coalesce(w.oil_sm3, 0)) > 0.001
        or abs(coalesce(f.gas_sm3, 0) - coalesce(w.gas_sm3, 0)) > 0.001
        or abs(coalesce(f.water_sm3, 0) - coalesce(w.water_sm3, 0)) > 0.001
        or abs(coalesce(f.on_stream_hrs, 0) - coalesce(w.on_stream_hrs, 0)) > 0.001
    )
