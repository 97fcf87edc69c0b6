/*
  int_waste_daily: one row per UTC day x team x org x project x workflow x job x executor x
  resource class (teams by team_rules.csv, before shared-cost policies): the cost allocated to
  the team, by waste kind (int_job_run_waste), and the compute part of it, the base of the
  right-sizing saving waste_monthly estimates. Money in `currency`, exact sums of
  int_job_runs_allocated's allocated_cost.

  A table, incremental: each row sums one org-day, so a run replaces the org-days
  int_waste_refresh_days names and keeps the others (replace_partitions: delete+insert by
  org-day); waste_monthly adds these days up by month, never reading the job runs again.
*/

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        refresh_partitions='int_waste_refresh_days',
        on_schema_change='fail',
    )
}}

with

refresh_days as (

    select * from {{ ref('int_waste_refresh_days') }}

),

allocated as (

    select
        usage_row_id,
        usage_date,
        team,
        org_id,
        org_name,
        project_id,
        project_name,
        currency,
        allocated_cost

    from {{ ref('int_job_runs_allocated') }} as allocated
    {% if is_incremental() -%}
    where {{ on_listed_org_days('allocated', 'refresh_days') }}
    {%- endif %}

),

job_run_costs as (

    select
        usage_row_id,
        org_id,
        usage_date,
        workflow_name,
        job_name,
        executor,
        resource_class,
        compute_cost,
        total_cost

    from {{ ref('fct_job_run_costs') }} as job_run_costs
    {% if is_incremental() -%}
    where {{ on_listed_org_days('job_run_costs', 'refresh_days') }}
    {%- endif %}

),

waste as (

    -- the listed org-days only, on an incremental run (see int_job_run_waste)
    select * from {{ ref('int_job_run_waste') }}

),

rows_with_waste as (

    select
        allocated.usage_date,
        allocated.team,
        allocated.org_id,
        allocated.org_name,
        allocated.project_id,
        allocated.project_name,
        job_run_costs.workflow_name,
        job_run_costs.job_name,
        job_run_costs.executor,
        job_run_costs.resource_class,
        allocated.currency,
        allocated.allocated_cost,
        waste.waste_kind,
        -- the compute part of the row's cost placed on this team
        case
            when job_run_costs.total_cost <> 0
                then cast(
                    cast(job_run_costs.compute_cost as double precision)
                    * cast(allocated.allocated_cost as double precision)
                    / cast(job_run_costs.total_cost as double precision)
                    as {{ money_type() }}
                )
        end as allocated_compute_cost

    from allocated
    inner join job_run_costs
        on allocated.usage_row_id = job_run_costs.usage_row_id
    inner join waste
        on allocated.usage_row_id = waste.usage_row_id

),

final as (

    select
        usage_date,
        team,
        org_id,
        project_id,
        workflow_name,
        job_name,
        executor,
        resource_class,
        currency,
        max(org_name) as org_name,
        max(project_name) as project_name,
        sum(allocated_cost) as total_cost,
        coalesce(sum(case when waste_kind = 'failed' then allocated_cost end), 0) as failed_cost,
        coalesce(sum(case when waste_kind = 'canceled' then allocated_cost end), 0) as canceled_cost,
        coalesce(sum(case when waste_kind = 'duplicate_rerun' then allocated_cost end), 0)
            as duplicate_rerun_cost,
        coalesce(sum(case when waste_kind is not null then allocated_cost end), 0) as waste_cost,
        sum(allocated_compute_cost) as allocated_compute_cost

    from rows_with_waste
    group by
        usage_date, team, org_id, project_id, workflow_name, job_name, executor, resource_class,
        currency

)

select * from final
