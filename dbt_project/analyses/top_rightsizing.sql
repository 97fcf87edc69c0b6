-- Demo summary: the ten right-sizing recommendations that save the most a month, from
-- marts.rightsizing_recommendations (see docs/rightsizing.md for the rule). Run against the
-- DuckDB file after `dbt build`, e.g.
--   duckdb data/circleci_costs.duckdb < dbt_project/analyses/top_rightsizing.sql
select
    project_name as project,
    job_name as job,
    resource_class as class,
    recommended_class as to_class,
    round(estimated_savings_per_month, 0) as saves_a_month,
    currency,
    confidence,
    reason
from marts.rightsizing_recommendations
where action = 'downsize' and estimated_savings_per_month > 0
order by estimated_savings_per_month desc, project, job
limit 10;
