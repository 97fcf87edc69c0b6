-- Demo summary: what CircleCI cost per organization and month, at the contracted price and at
-- list price. Run against the DuckDB file after `dbt build`, e.g.
--   duckdb data/circleci_costs.duckdb < dbt_project/analyses/cost_by_org_and_month.sql
-- or from Python: duckdb.connect(path).sql(open('dbt_project/analyses/cost_by_org_and_month.sql').read()).show()
-- Costs are summed exactly and rounded to the cent only here, for display. Months are UTC.
-- The usage export is not the invoice: totals differ slightly from CircleCI's Plans page.
with

by_org_month as (

    select
        usage_month,
        org_id,
        max(org_name) as org_name,
        currency,
        list_price_currency,
        bool_and(is_complete_month) as is_complete_month,
        sum(job_runs) as job_runs,
        sum(total_credits) as total_credits,
        sum(total_cost) as total_cost,
        sum(previous_month_total_cost) as previous_month_total_cost,
        sum(list_price_cost) as list_price_cost

    from marts.agg_monthly_costs
    group by usage_month, org_id, currency, list_price_currency

)

select
    strftime(usage_month, '%Y-%m') || case when is_complete_month then '' else ' (partial)' end
        as month,
    org_name as org,
    job_runs,
    round(total_credits, 0) as credits,
    round(total_cost, 2) as cost,
    currency,
    case when previous_month_total_cost > 0
        then round(100 * (total_cost - previous_month_total_cost) / previous_month_total_cost, 1)
    end as change_pct,
    round(list_price_cost, 2) as list_price_cost,
    list_price_currency
from by_org_month
order by usage_month, org_name;
