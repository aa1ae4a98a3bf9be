-- The yardstick for benchmarks/lakehouse_scale.py: the same cleaning and aggregation as the pipeline's
-- silver and gold, hand-written as one DuckDB script over the same landing files, with nothing else
-- (no raw copies, no Delta versions, no lineage, no checks, no orchestration). What this machine can do.
-- {landing} is replaced by the benchmark with the landing folder.

create or replace table register as
select
    well_id,
    upper(regexp_replace(trim(wellbore_code), '\s+', ' ', 'g')) as wellbore_key,
    npd_wellbore_code,
    field_id,
    facility_id,
    well_type,
    status,
    valid_from::date as valid_from,
    coalesce(try_cast(valid_to as date), date '9999-12-31') as valid_to
from read_csv('{landing}/reference/*.csv', header = true);

create or replace table bronze as
select
    row_number() over () as source_row,
    filename as source_file,
    DATEPRD::date as production_date,
    upper(regexp_replace(trim(WELL_BORE_CODE), '\s+', ' ', 'g')) as wellbore_key,
    NPD_WELL_BORE_CODE as npd_wellbore_code,
    ON_STREAM_HRS as on_stream_hrs,
    nullif(AVG_DOWNHOLE_PRESSURE, 0) as avg_downhole_pressure_bar,
    nullif(AVG_DOWNHOLE_TEMPERATURE, 0) as avg_downhole_temperature_c,
    AVG_DP_TUBING as avg_dp_tubing_bar,
    AVG_ANNULUS_PRESS as avg_annulus_pressure_bar,
    AVG_CHOKE_SIZE_P as avg_choke_size_pct,
    AVG_WHP_P as avg_whp_bar,
    AVG_WHT_P as avg_wht_c,
    DP_CHOKE_SIZE as dp_choke_size_bar,
    BORE_OIL_VOL as oil_sm3,
    BORE_GAS_VOL as gas_sm3,
    BORE_WAT_VOL as water_sm3,
    BORE_WI_VOL as water_injected_sm3,
    lower(FLOW_KIND) as flow_kind,
    WELL_TYPE as reported_well_type
from read_csv('{landing}/daily/*.csv', header = true, filename = true, union_by_name = true);

create or replace table conformed as
with matched as (
    select
        b.*,
        r.well_id,
        r.npd_wellbore_code as register_npd,
        r.field_id,
        r.facility_id,
        r.well_type,
        r.status,
        k.wellbore_key is not null as known
    from bronze b
    left join (select distinct wellbore_key from register) k on k.wellbore_key = b.wellbore_key
    left join register r
        on r.wellbore_key = b.wellbore_key and b.production_date between r.valid_from and r.valid_to
),
ruled as (
    select
        *,
        case
            when not known then 'WELL_UNKNOWN'
            when well_id is null or status <> 'active' then 'WELL_NOT_ACTIVE'
            when npd_wellbore_code is not null and npd_wellbore_code <> register_npd then 'WELL_CODE_MISMATCH'
            when flow_kind not in ('production', 'injection') then 'FLOW_KIND_INVALID'
            when on_stream_hrs < 0 or on_stream_hrs > 25 then 'HOURS_OUT_OF_RANGE'
            when least(oil_sm3, gas_sm3, water_sm3, water_injected_sm3) < 0 then 'VOLUME_NEGATIVE'
        end as rule_id,
        row_number() over (partition by wellbore_key, production_date order by source_file desc, source_row desc)
            as report_rank
    from matched
)
select * from ruled;

create or replace table quarantine as
select * from conformed where rule_id is not null or report_rank > 1;

create or replace table well_day_production as
select
    production_date, well_id, field_id, facility_id, well_type, reported_well_type,
    24.0 as day_hours, on_stream_hrs, 24.0 - on_stream_hrs as downtime_hrs,
    oil_sm3, gas_sm3, water_sm3,
    case when on_stream_hrs >= 6 then oil_sm3 * 24 / on_stream_hrs end as oil_rate_sm3d,
    case when on_stream_hrs >= 6 then gas_sm3 * 24 / on_stream_hrs end as gas_rate_sm3d,
    case when on_stream_hrs >= 6 then water_sm3 * 24 / on_stream_hrs end as water_rate_sm3d,
    avg_downhole_pressure_bar, avg_downhole_temperature_c, avg_dp_tubing_bar, avg_annulus_pressure_bar,
    avg_choke_size_pct, avg_whp_bar, avg_wht_c, dp_choke_size_bar
from conformed
where rule_id is null and report_rank = 1 and flow_kind = 'production';

create or replace table well_day_injection as
select production_date, well_id, field_id, facility_id, on_stream_hrs, water_injected_sm3
from conformed
where rule_id is null and report_rank = 1 and flow_kind = 'injection';

create or replace table fct_well_daily_production as
select
    *,
    on_stream_hrs / day_hours as uptime,
    water_sm3 / nullif(oil_sm3 + water_sm3, 0) as water_cut,
    gas_sm3 / nullif(oil_sm3, 0) as gor,
    avg(oil_sm3) over w7 as oil_sm3_ma7,
    avg(gas_sm3) over w7 as gas_sm3_ma7,
    avg(water_sm3) over w7 as water_sm3_ma7,
    avg(oil_sm3) over w30 as oil_sm3_ma30,
    avg(gas_sm3) over w30 as gas_sm3_ma30,
    avg(water_sm3) over w30 as water_sm3_ma30,
    lag(oil_sm3) over (partition by well_id order by production_date) as prev_day_oil_sm3
from well_day_production
window
    w7 as (partition by well_id order by production_date range between interval 6 days preceding and current row),
    w30 as (partition by well_id order by production_date range between interval 29 days preceding and current row);

create or replace table fct_field_daily_production as
select
    production_date, field_id,
    count(*) as wells_reporting,
    sum(oil_sm3) as oil_sm3, sum(gas_sm3) as gas_sm3, sum(water_sm3) as water_sm3,
    sum(on_stream_hrs) / sum(day_hours) as uptime,
    sum(water_sm3) / nullif(sum(oil_sm3) + sum(water_sm3), 0) as water_cut
from fct_well_daily_production
group by all;

create or replace table fct_facility_daily_production as
select production_date, facility_id, sum(oil_sm3) as oil_sm3, sum(gas_sm3) as gas_sm3, sum(water_sm3) as water_sm3
from fct_well_daily_production
group by all;

create or replace table fct_well_monthly_production as
with daily as (
    select well_id, date_trunc('month', production_date) as month_start,
           sum(oil_sm3) as oil_sm3, sum(gas_sm3) as gas_sm3, sum(water_sm3) as water_sm3,
           sum(on_stream_hrs) as on_stream_hrs
    from well_day_production group by all
),
reported as (
    select WELLBORE_NAME as well_id, make_date(YEAR, MONTH, 1) as month_start,
           OIL_SM3 as reported_oil_sm3, GAS_SM3 as reported_gas_sm3, WATER_SM3 as reported_water_sm3
    from read_csv('{landing}/monthly/*.csv', header = true)
),
quarantined as (
    select well_id, date_trunc('month', production_date) as month_start, sum(oil_sm3) as quarantined_oil_sm3
    from quarantine where well_id is not null group by all
)
select
    d.*, r.reported_oil_sm3, r.reported_gas_sm3, r.reported_water_sm3,
    d.oil_sm3 - r.reported_oil_sm3 as oil_sm3_diff, q.quarantined_oil_sm3
from daily d
left join reported r using (well_id, month_start)
left join quarantined q using (well_id, month_start);

create or replace table fct_field_monthly_production as
select field_id, date_trunc('month', production_date) as month_start,
       sum(oil_sm3) as oil_sm3, sum(gas_sm3) as gas_sm3, sum(water_sm3) as water_sm3
from fct_well_daily_production
group by all;
