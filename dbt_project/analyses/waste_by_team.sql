-- Demo summary: waste by team in the latest complete UTC month (the latest month if none is
-- complete yet), from marts.waste_monthly: failed, canceled and duplicate re-run cost, and
-- the estimated right-sizing savings on the table. Run against the DuckDB file after
-- `dbt build`, e.g.
--   duckdb data/circleci_costs.duckdb < dbt_project/analyses/waste_by_team.sql
with

chosen_month as (

    -- the month before the latest is complete once a later month has begun
    select coalesce(
        max(usage_month) filter (
            where usage_month < (select max(usage_month) from marts.waste_monthly)
        ),
        max(usage_month)
    ) as usage_month
    from marts.waste_monthly

)

select
    strftime(waste.usage_month, '%Y-%m') as month,
    waste.team,
    round(sum(waste.total_cost), 2) as cost,
    round(sum(waste.failed_cost), 2) as failed,
    round(sum(waste.canceled_cost), 2) as canceled,
    round(sum(waste.duplicate_rerun_cost), 2) as reruns,
    round(sum(waste.waste_cost) * 100 / nullif(sum(waste.total_cost), 0), 1) as waste_pct,
    round(sum(waste.rightsizing_savings), 2) as rightsizing,
    waste.currency
from marts.waste_monthly as waste
inner join chosen_month on waste.usage_month = chosen_month.usage_month
group by waste.usage_month, waste.team, waste.currency
order by sum(waste.waste_cost) desc, waste.team;
