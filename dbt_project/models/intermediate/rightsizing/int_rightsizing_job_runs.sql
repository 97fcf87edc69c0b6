/*
  One row per job run of the right-sizing period: the last var('rightsizing_lookback_days')
  complete UTC days of its org (complete days end at the org's last loaded day minus
  var('complete_day_lag_days'), and before the current UTC day, as for the anomalies).
  Job runs on CircleCI's classes only: org-level rows (seats) and self-hosted runners
  (executor `runner`, or a `namespace/name` class) are left out.
*/

with

org_days as (

    select * from {{ ref('int_org_days_priced') }}

),

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }}

),

-- the utilisation columns are not in the priced fact: read them from staging by row id
utilisation as (

    select
        usage_row_id,
        job_run_started_at,
        median_cpu_utilization_pct,
        max_cpu_utilization_pct,
        median_ram_utilization_pct,
        max_ram_utilization_pct

    from {{ ref('stg_circleci__job_runs') }}

),

org_periods as (

    -- each org's last day with usage, from its org-days (every raw row's day), not from
    -- the job runs themselves
    select
        org_id,
        least(
            cast({{ dbt.dateadd('day', -1 * var('complete_day_lag_days') | int, 'max(usage_date)') }} as date),
            cast({{ dbt.dateadd('day', -1, utc_date(dbt.current_timestamp())) }} as date)
        ) as period_end

    from org_days
    group by org_id

),

periods as (

    select
        org_id,
        cast({{ dbt.dateadd('day', 1 - var('rightsizing_lookback_days') | int, 'period_end') }} as date)
            as period_start,
        period_end

    from org_periods

),

first_period_start as (

    select min(period_start) as period_start from periods

),

period_utilisation as (

    -- only the rows that can be in a period: a row's day is the UTC day it started (its
    -- JOB_RUN_DATE if it never started), so the database skips the older history while
    -- scanning
    select utilisation.*

    from utilisation
    cross join first_period_start
    where utilisation.job_run_started_at
        >= cast(first_period_start.period_start as timestamp with time zone)
        or utilisation.job_run_started_at is null

),

final as (

    select
        job_run_costs.usage_row_id,
        job_run_costs.usage_date,
        periods.period_start,
        periods.period_end,
        job_run_costs.org_id,
        job_run_costs.org_name,
        job_run_costs.project_id,
        job_run_costs.project_name,
        job_run_costs.workflow_name,
        job_run_costs.job_name,
        job_run_costs.executor,
        job_run_costs.resource_class,
        job_run_costs.job_status,
        job_run_costs.job_run_seconds,
        utilisation.median_cpu_utilization_pct,
        utilisation.max_cpu_utilization_pct,
        utilisation.median_ram_utilization_pct,
        utilisation.max_ram_utilization_pct,
        job_run_costs.compute_credits,
        job_run_costs.total_credits,
        job_run_costs.compute_cost,
        job_run_costs.total_cost,
        job_run_costs.currency

    from job_run_costs
    inner join periods
        on job_run_costs.org_id = periods.org_id
        and job_run_costs.usage_date between periods.period_start and periods.period_end
    left join period_utilisation as utilisation
        on job_run_costs.usage_row_id = utilisation.usage_row_id
    where job_run_costs.is_job_run
        and job_run_costs.resource_class is not null
        and coalesce(job_run_costs.executor, '') <> 'runner'
        and job_run_costs.resource_class not like '%/%'

)

select * from final
