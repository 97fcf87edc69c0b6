-- Demo summary: the chargeback by team of the latest complete UTC month (the latest month if
-- none is complete yet), from marts.team_chargeback_monthly, with a line for all teams.
-- Run against the DuckDB file after `dbt build`, e.g.
--   duckdb data/circleci_costs.duckdb < dbt_project/analyses/team_chargeback.sql
-- Costs are exact in the mart and rounded to the cent only here, for display, so the rounded
-- teams may differ from the rounded total by a cent or two. `direct` and `split`: what the
-- rules of team_rules.csv placed on the team; `shared_in` / `shared_out`: what the policies
-- of shared_costs.csv moved to it / away from it; `total`: what to charge it; `budget`: the
-- team's budget for the month in budgets.csv, if any.
with

latest_month as (

    select coalesce(max(case when is_complete_month then usage_month end), max(usage_month))
        as usage_month
    from marts.team_chargeback_monthly

),

chosen as (

    select chargeback.*
    from marts.team_chargeback_monthly as chargeback
    inner join latest_month on chargeback.usage_month = latest_month.usage_month

),

teams_and_total as (

    select
        usage_month, is_complete_month, 0 as is_total, team, currency,
        direct_cost, split_cost, shared_cost_received, shared_cost_given, total_cost,
        share_of_total_pct, budget_amount
    from chosen

    union all

    select
        usage_month, is_complete_month, 1 as is_total, 'all teams' as team, currency,
        sum(direct_cost), sum(split_cost), sum(shared_cost_received), sum(shared_cost_given),
        sum(total_cost), round(sum(share_of_total_pct), 0), null
    from chosen
    group by usage_month, is_complete_month, currency

)

select
    strftime(usage_month, '%Y-%m') || case when is_complete_month then '' else ' (partial)' end
        as month,
    team,
    round(direct_cost, 2) as direct,
    round(split_cost, 2) as split,
    round(shared_cost_received, 2) as shared_in,
    round(shared_cost_given, 2) as shared_out,
    round(total_cost, 2) as total,
    currency,
    share_of_total_pct as share_pct,
    coalesce(printf('%.2f', budget_amount), '') as budget
from teams_and_total
order by is_total, team = 'unallocated', total_cost desc, team;
