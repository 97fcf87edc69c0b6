/*
  waste_monthly: one row per UTC month x team x org x project (by the team rules, before
  shared-cost policies move cost between teams): the month's cost and what of it was waste.

  Guarantees (tested by assert_waste_monthly_conserves_cost): total_cost, failed_cost and
  canceled_cost add up to fct_job_run_costs for every org, month and currency, exactly; each
  usage row's cost is in one waste kind at most (int_job_run_waste), so waste_cost never
  counts a cent twice. rightsizing_savings is an estimate (see rightsizing_recommendations),
  not part of the conservation. Money in `currency`, unrounded.

  A table rebuilt on every run, from int_waste_daily (day x team x project x job), never from
  the job runs: the saving applies today's recommendations to every month, so every month
  changes when they do; the day rows it sums grow with the days and jobs, not the job runs.
  The saving is estimated on each day's compute cost (int_waste_daily.allocated_compute_cost)
  rather than on each job run's.
*/

with

waste_days as (

    select * from {{ ref('int_waste_daily') }}

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

days_with_savings as (

    select
        cast({{ dbt.date_trunc('month', 'waste_days.usage_date') }} as date) as usage_month,
        waste_days.*,
        case
            when savings_ratios.savings_ratio is not null
                then cast(
                    cast(waste_days.allocated_compute_cost as double precision)
                    * savings_ratios.savings_ratio
                    as {{ money_type() }}
                )
        end as rightsizing_savings

    from waste_days
    left join savings_ratios
        on waste_days.org_id = savings_ratios.org_id
        and waste_days.project_id = savings_ratios.project_id
        and waste_days.workflow_name = savings_ratios.workflow_name
        and waste_days.job_name = savings_ratios.job_name
        and waste_days.executor = savings_ratios.executor
        and waste_days.resource_class = savings_ratios.resource_class

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
        sum(total_cost) as total_cost,
        sum(failed_cost) as failed_cost,
        sum(canceled_cost) as canceled_cost,
        sum(duplicate_rerun_cost) as duplicate_rerun_cost,
        sum(waste_cost) as waste_cost,
        coalesce(sum(rightsizing_savings), 0) as rightsizing_savings

    from days_with_savings
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
