/*
  stg_seeds__calendar: the company calendar (seeds/calendar.csv): one row per day and org
  (blank org_id = every org) on which the company is off. The anomaly method does not flag a
  drop on these days and leaves them out of the days it learns from, so the return from a
  holiday is judged against the working days before it.
*/

with

source as (

    select * from {{ ref('calendar') }}

),

final as (

    select
        cast(day as date) as calendar_date,
        nullif(trim(name), '') as calendar_name,
        lower(nullif(trim(kind), '')) as calendar_kind,
        nullif(trim(cast(org_id as {{ dbt.type_string() }})), '') as org_id

    from source

)

select * from final
