/*
  agg_monthly_costs: one row per UTC calendar month x org x project, with the change against
  the month before.

  Guarantees (tested): for every org and month, the sums here equal fct_job_run_costs exactly
  (assert_agg_monthly_costs_conserve_cost), so to the cent; the grain is unique.
  A project keeps a row, with zero cost, for every month after its first month with usage,
  so a drop to zero shows as a change of -100 %. The change is NULL where the month before is
  not wholly in the data (before the first day loaded, or the first month when the history
  starts mid-month): comparing with a part of a month would show growth that is not there.
  The first and the last month are usually partial: see is_complete_month. Org-level rows (seat credits) have a NULL project.

  A table rebuilt on every run, from agg_daily_costs (a month is the sum of its days: the same
  exact sums as over fct_job_run_costs, from a table thousands of times smaller), so a daily
  run's cost does not grow with the number of job runs; it stays right whatever a run
  changes (the change against the previous month, the complete months, the zero-filled
  months all depend on the whole history).
*/

with

daily_costs as (

    select * from {{ ref('agg_daily_costs') }}

),

monthly_usage as (

    select
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
        org_id,
        project_id,
        currency,
        list_price_currency,
        max(org_name) as org_name,
        max(project_name) as project_name,
        {{ sum_daily_cost_measures() }}

    from daily_costs
    group by 1, 2, 3, 4, 5

),

data_bounds as (

    select
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date,
        cast({{ dbt.date_trunc('month', 'min(usage_date)') }} as date) as first_month,
        -- the first month whose every day lies inside the data
        case
            when min(usage_date) = cast({{ dbt.date_trunc('month', 'min(usage_date)') }} as date)
                then cast({{ dbt.date_trunc('month', 'min(usage_date)') }} as date)
            else cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'min(usage_date)')) }} as date)
        end as first_complete_month

    from daily_costs

),

months as (

    select distinct usage_month from monthly_usage

),

scopes as (

    -- each org x project once, from its first month with usage, with its latest names
    select
        org_id,
        project_id,
        currency,
        list_price_currency,
        org_name,
        project_name,
        first_month

    from (
        select
            org_id,
            project_id,
            currency,
            list_price_currency,
            org_name,
            project_name,
            min(usage_month) over (partition by org_id, project_id, currency) as first_month,
            row_number() over (
                partition by org_id, project_id, currency order by usage_month desc
            ) as recency
        from monthly_usage
    ) as ranked
    where recency = 1

),

scope_months as (

    select
        months.usage_month,
        scopes.*

    from scopes
    inner join months
        on months.usage_month >= scopes.first_month

),

filled as (

    select
        scope_months.usage_month,
        scope_months.org_id,
        scope_months.org_name,
        scope_months.project_id,
        scope_months.project_name,
        scope_months.currency,
        scope_months.list_price_currency,
        {% for measure in cost_measures() -%}
        coalesce(monthly_usage.{{ measure }}, 0) as {{ measure }}{{ ',' if not loop.last }}
        {% endfor %}
    from scope_months
    left join monthly_usage
        on scope_months.usage_month = monthly_usage.usage_month
        and scope_months.org_id = monthly_usage.org_id
        and scope_months.project_id is not distinct from monthly_usage.project_id
        and scope_months.currency is not distinct from monthly_usage.currency

),

compared as (

    select
        this_month.*,
        this_month.usage_month >= data_bounds.first_complete_month
            and {{ dbt.last_day('this_month.usage_month', 'month') }} <= data_bounds.last_usage_date
            as is_complete_month,
        case
            when cast({{ dbt.dateadd('month', -1, 'this_month.usage_month') }} as date)
                >= data_bounds.first_complete_month
                then coalesce(previous_month.total_credits, 0)
        end as previous_month_total_credits,
        case
            when cast({{ dbt.dateadd('month', -1, 'this_month.usage_month') }} as date)
                >= data_bounds.first_complete_month
                then coalesce(previous_month.total_cost, 0)
        end as previous_month_total_cost

    from filled as this_month
    cross join data_bounds
    left join filled as previous_month
        on previous_month.usage_month
            = cast({{ dbt.dateadd('month', -1, 'this_month.usage_month') }} as date)
        and this_month.org_id = previous_month.org_id
        and this_month.project_id is not distinct from previous_month.project_id
        and this_month.currency is not distinct from previous_month.currency

),

final as (

    select
        {{ surrogate_key(['usage_month', 'org_id', 'project_id']) }} as monthly_cost_key,
        usage_month,
        is_complete_month,
        org_id,
        org_name,
        project_id,
        project_name,
        usage_rows,
        job_runs,
        failed_job_runs,
        job_run_seconds,
        {% for credit_type in credit_types() -%}
        {{ credit_type }}_credits,
        {% endfor -%}
        total_credits,
        previous_month_total_credits,
        total_credits - previous_month_total_credits as total_credits_change,
        currency,
        {% for credit_type in credit_types() -%}
        {{ credit_type }}_cost,
        {% endfor -%}
        total_cost,
        failed_job_runs_cost,
        previous_month_total_cost,
        total_cost - previous_month_total_cost as total_cost_change,
        round(
            cast(100 * (total_cost - previous_month_total_cost) as double precision)
            / cast(nullif(previous_month_total_cost, 0) as double precision),
            2
        ) as total_cost_change_pct,
        list_price_currency,
        list_price_cost

    from compared

)

select * from final
