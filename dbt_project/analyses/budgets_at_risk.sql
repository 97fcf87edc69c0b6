-- Demo summary: the budgets of budgets.csv that are over or at risk, this month and last.
-- Run against the DuckDB file after `dbt build`, e.g.
--   duckdb data/circleci_costs.duckdb < dbt_project/analyses/budgets_at_risk.sql
-- Budgets cover usage cost without seat (user) credits, as CircleCI's budgets do. Money is
-- rounded to the cent only here, for display. Months are UTC.
select
    strftime(budget_month, '%Y-%m') || case month_state
        when 'current' then ' to ' || strftime(as_of_date, '%m-%d')
        else '' end as month,
    scope_type || ' ' || scope as budget_scope,
    status,
    round(budget_amount, 2) as budget,
    round(cost_to_date, 2) as to_date,
    round(forecast_cost, 2) as forecast,
    currency,
    round(pct_used, 0) as used_pct,
    round(forecast_pct, 0) as forecast_pct,
    thresholds_crossed as crossed
from marts.budget_status_monthly
where status in ('over', 'at risk')
    and budget_month >= date_trunc('month', as_of_date) - interval 1 month
    and month_state <> 'future'
order by budget_month desc, status desc, forecast_pct desc;
