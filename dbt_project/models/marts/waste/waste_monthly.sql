/*
  waste_monthly: one row per UTC month x team x org x project (by the team rules, before
  shared-cost policies move cost between teams): the month's cost and what of it was waste.

  Guarantees (tested by assert_waste_monthly_conserves_cost): total_cost, failed_cost and
  canceled_cost add up to fct_job_run_costs for every org, month and currency, exactly; each
  usage row's cost is in one waste kind at most (int_job_run_waste), so waste_cost never
  counts a cent twice. rightsizing_savings is an estimate (see rightsizing_recommendations),
  not part of the conservation. Money in `currency`, unrounded.
*/

with

allocated as (

    select * from {{ ref('int_job_runs_allocated') }}

),

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }}

),

waste as (

    select * from {{ ref('int_job_run_waste') }}

),

recommendations as (

    select * from {{ ref('rightsizing_recommendations') }}

),

-- the share of compute cost the recommended class would save, where it is smaller
savings_ratios as (

    select
        org_id,
        project_id,
        workflow_name,
        job_name,
        executor,
        resource_class,
        cast(estimated_savings_per_month as double precision)
            / cast(compute_cost_per_month as double precision) as savings_ratio

    from recommendations
    where action = 'downsize'
        and estimated_savings_per_month > 0
        and compute_cost_per_month > 0

),

rows_with_waste as (

    select
        cast({{ dbt.date_trunc('month', 'allocated.usage_date') }} as date) as usage_month,
        allocated.team,
        allocated.org_id,
        allocated.org_name,
        allocated.project_id,
        allocated.project_name,
        allocated.currency,
        allocated.allocated_cost,
        waste.waste_kind,
        case
            when job_run_costs.total_cost <> 0 and savings_ratios.savings_ratio is not null
                then cast(
                    cast(job_run_costs.compute_cost as double precision)
                    * cast(allocated.allocated_cost as double precision)
                    / cast(job_run_costs.total_cost as double precision)
                    * savings_ratios.savings_ratio
                    as {{ money_type() }}
                )
        end as rightsizing_savings

    from allocated
    inner join job_run_costs
        on allocated.usage_row_id = job_run_costs.usage_row_id
    inner join waste
        on allocated.usage_row_id = waste.usage_row_id
    left join savings_ratios
        on job_run_costs.org_id = savings_ratios.org_id
        and job_run_costs.project_id = savings_ratios.project_id
        and job_run_costs.workflow_name = savings_ratios.workflow_name
        and job_run_costs.job_name = savings_ratios.job_name
        and job_run_costs.executor = savings_ratios.executor
        and job_run_costs.resource_class = savings_ratios.resource_class

),

monthly as (

    select
        usage_month,
        team,
        org_id,
        project_id,
        currency,
        max(org_name) as org_name,
        max(project_name) as project_name,
        sum(allocated_cost) as total_cost,
        coalesce(sum(case when waste_kind = 'failed' then allocated_cost end), 0) as failed_cost,
        coalesce(sum(case when waste_kind = 'canceled' then allocated_cost end), 0) as canceled_cost,
        coalesce(sum(case when waste_kind = 'duplicate_rerun' then allocated_cost end), 0)
            as duplicate_rerun_cost,
        coalesce(sum(case when waste_kind is not null then allocated_cost end), 0) as waste_cost,
        coalesce(sum(rightsizing_savings), 0) as rightsizing_savings

    from rows_with_waste
    group by usage_month, team, org_id, project_id, currency

),

final as (

    select
        {{ surrogate_key(['usage_month', 'team', 'org_id', 'project_id']) }} as waste_key,
        usage_month,
        team,
        org_id,
        org_name,
        project_id,
        project_name,
        currency,
        cast(total_cost as {{ money_type() }}) as total_cost,
        cast(failed_cost as {{ money_type() }}) as failed_cost,
        cast(canceled_cost as {{ money_type() }}) as canceled_cost,
        cast(duplicate_rerun_cost as {{ money_type() }}) as duplicate_rerun_cost,
        cast(waste_cost as {{ money_type() }}) as waste_cost,
        case when total_cost <> 0 then cast(waste_cost * 100.0 / total_cost as double precision) end
            as waste_pct,
        cast(rightsizing_savings as {{ money_type() }}) as rightsizing_savings

    from monthly

)

select * from final
