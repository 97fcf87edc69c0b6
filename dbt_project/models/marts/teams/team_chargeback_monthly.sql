/*
  team_chargeback_monthly: one row per UTC calendar month x team (all orgs together): what
  rules placed on the team (direct and split), what shared-cost policies moved to it and from
  it, the total to charge back, its share of the month's total, and how much of the month's
  cost the rules placed at all (allocation coverage).

  Guarantees (tested): for every month, the teams' total_cost and total_credits add up exactly
  to fct_job_run_costs, direct + split parts add up to it too, and what policies gave equals
  what they moved to other teams (assert_team_chargeback_monthly_conserve_cost); the grain is
  unique. Because rules and policies carry dates, a month once invoiced keeps its figures when
  the rules change for later months. Money is exact and unrounded; round only when showing it.
  The first and the last month are usually partial: see is_complete_month.
  budget_amount is the team's budget for the month from budgets.csv (scope_type team, same
  currency), NULL where there is none; budget_status_monthly tracks it with a forecast.
*/

with

team_costs as (

    select * from {{ ref('fct_team_costs_daily') }}

),

team_budgets as (

    -- unique on (budget_month, scope) once budgets.csv passes its tests
    select
        budget_month,
        scope as team,
        currency,
        budget_amount

    from {{ ref('stg_seeds__budgets') }}
    where scope_type = 'team'
        and budget_amount is not null

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
        team,
        currency,
        sum(direct_credits) as direct_credits,
        sum(split_credits) as split_credits,
        sum(case when team <> shared_from_team then redistributed_credits else 0 end)
            as shared_credits_received,
        sum(case when team = shared_from_team then redistributed_credits else 0 end)
            as shared_credits_given,
        sum(total_credits) as total_credits,
        sum(direct_cost) as direct_cost,
        sum(split_cost) as split_cost,
        sum(case when team <> shared_from_team then redistributed_cost else 0 end)
            as shared_cost_received,
        sum(case when team = shared_from_team then redistributed_cost else 0 end)
            as shared_cost_given,
        sum(total_cost) as total_cost

    from team_costs
    group by 1, 2, 3

),

month_totals as (

    select
        usage_month,
        currency,
        sum(total_cost) as month_total_cost,
        sum(case when team <> {{ unallocated_team() }} then direct_cost + split_cost else 0 end)
            as month_cost_placed_by_rules

    from monthly
    group by usage_month, currency

),

data_bounds as (

    select
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date

    from team_costs

),

final as (

    select
        {{ surrogate_key(['monthly.usage_month', 'monthly.team', 'monthly.currency']) }}
            as chargeback_key,
        monthly.usage_month,
        monthly.usage_month >= data_bounds.first_usage_date
            and cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'monthly.usage_month')) }} as date)
                <= data_bounds.last_usage_date
            as is_complete_month,
        monthly.team,
        monthly.currency,
        cast(monthly.direct_credits as {{ credits_type() }}) as direct_credits,
        cast(monthly.split_credits as {{ credits_type() }}) as split_credits,
        cast(monthly.shared_credits_received as {{ credits_type() }}) as shared_credits_received,
        cast(monthly.shared_credits_given as {{ credits_type() }}) as shared_credits_given,
        cast(monthly.total_credits as {{ credits_type() }}) as total_credits,
        cast(monthly.direct_cost as {{ money_type() }}) as direct_cost,
        cast(monthly.split_cost as {{ money_type() }}) as split_cost,
        cast(monthly.shared_cost_received as {{ money_type() }}) as shared_cost_received,
        cast(monthly.shared_cost_given as {{ money_type() }}) as shared_cost_given,
        cast(monthly.total_cost as {{ money_type() }}) as total_cost,
        cast(month_totals.month_total_cost as {{ money_type() }}) as month_total_cost,
        round(
            cast(100 * monthly.total_cost as double precision)
            / cast(nullif(month_totals.month_total_cost, 0) as double precision),
            2
        ) as share_of_total_pct,
        round(
            cast(100 * month_totals.month_cost_placed_by_rules as double precision)
            / cast(nullif(month_totals.month_total_cost, 0) as double precision),
            2
        ) as allocation_coverage_pct,
        team_budgets.budget_amount,
        round(
            cast(100 * monthly.total_cost as double precision)
            / cast(nullif(team_budgets.budget_amount, 0) as double precision),
            2
        ) as budget_used_pct

    from monthly
    inner join month_totals
        on monthly.usage_month = month_totals.usage_month
        and monthly.currency = month_totals.currency
    cross join data_bounds
    left join team_budgets
        on monthly.usage_month = team_budgets.budget_month
        and monthly.team = team_budgets.team
        and monthly.currency = team_budgets.currency

)

select * from final
