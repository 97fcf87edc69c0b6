-- Demo summary: the cost anomalies still going on, then the latest ones that ended. Run
-- against the DuckDB file after `dbt build`, e.g.
--   duckdb data/circleci_costs.duckdb < dbt_project/analyses/active_anomalies.sql
-- Seat (user) credits are left out. Money is rounded to the cent only here, for display.
-- Days are UTC; `since` is where the change began, `flagged` the day it became an anomaly.
with

ranked as (

    select
        *,
        row_number() over (order by is_active desc, detected_day desc, abs(impact_cost) desc)
            as recency

    from marts.cost_anomalies

)

select
    case when is_active then 'active' else 'ended ' || strftime(last_day, '%m-%d') end
        as state,
    severity,
    replace(scope_type, '_', ' ') || ' ' || scope_name as scope,
    org_name as org,
    direction || coalesce(' ' || cast(cast(round(impact_pct, 0) as integer) as varchar) || '%', '')
        || ' (' || case when impact_cost >= 0 then '+' else '' end
        || cast(round(impact_cost, 2) as varchar) || ' ' || currency || ')' as change,
    strftime(first_day, '%Y-%m-%d') as since,
    strftime(detected_day, '%m-%d') as flagged,
    duration_days as days,
    coalesce(driver_project_name, 'org-level usage')
        || coalesce(' / ' || driver_workflow_name, '')
        || coalesce(' / ' || driver_job_name, '')
        || coalesce(' on ' || driver_resource_class, '') as driver
from ranked
where is_active or recency <= 5
order by is_active desc, detected_day desc, abs(impact_cost) desc;
