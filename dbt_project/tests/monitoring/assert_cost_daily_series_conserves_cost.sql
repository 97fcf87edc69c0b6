-- cost_daily_series.actual_cost must add up, for every org, day and scope type, to the non-seat
-- cost of fct_job_run_costs (total_cost - user_cost) over the rows that scope type covers, on
-- every complete day (through the org's complete_through), to the billionth of a cent.
-- A routine run checks the org-days it rebuilt; full_history_tests checks all of them.
{% set expected %}
with
complete_days as (
    select org_id, max(complete_through) as complete_through
    from {{ ref('int_scope_days_filled') }}
    group by org_id
),
priced as (
    select fct.usage_date, fct.org_id, fct.project_id, fct.workflow_name, fct.resource_class,
        fct.total_cost - fct.user_cost as actual_cost
    from {{ ref('fct_job_run_costs') }} as fct
    inner join complete_days
        on fct.org_id = complete_days.org_id
        and fct.usage_date <= complete_days.complete_through
    where {{ checked_in_this_run('fct', 'refresh_costs') }}
)
select usage_date, org_id, 'org' as scope_type, actual_cost from priced
union all
select usage_date, org_id, 'project', actual_cost from priced where project_id is not null
union all
select usage_date, org_id, 'workflow', actual_cost from priced
where project_id is not null and workflow_name is not null
union all
select usage_date, org_id, 'resource_class', actual_cost from priced where resource_class is not null
{% endset %}
{% set actual %}
select usage_date, org_id, scope_type, actual_cost
from {{ ref('cost_daily_series') }} as series
where scope_type <> 'team'
    and {{ checked_in_this_run('series', 'refresh_costs') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_date', 'org_id', 'scope_type'], ['actual_cost'],
    'fct_job_run_costs', 'cost_daily_series'
)) }}
