-- fct_team_costs_daily must add up to fct_job_run_costs for every day, org, project and
-- currency, exactly: total cost and credits; the parts rules placed (direct + split) alone;
-- and the redistributed parts to zero (shared-cost policies move cost, never make or lose it).
-- A routine run checks the org-days it rebuilt; full_history_tests checks all of them.
{% set expected %}
select
    usage_date, org_id, project_id, currency,
    total_cost,
    total_credits,
    total_cost as rule_placed_cost,
    total_credits as rule_placed_credits,
    0 as redistributed_cost,
    0 as redistributed_credits
from {{ ref('fct_job_run_costs') }} as fct
where {{ checked_in_this_run('fct', 'refresh_team_costs') }}
{% endset %}
{% set actual %}
select
    usage_date, org_id, project_id, currency,
    total_cost,
    total_credits,
    direct_cost + split_cost as rule_placed_cost,
    direct_credits + split_credits as rule_placed_credits,
    redistributed_cost,
    redistributed_credits
from {{ ref('fct_team_costs_daily') }} as team_costs
where {{ checked_in_this_run('team_costs', 'refresh_team_costs') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_date', 'org_id', 'project_id', 'currency'],
    ['total_cost', 'total_credits', 'rule_placed_cost', 'rule_placed_credits',
     'redistributed_cost', 'redistributed_credits'],
    'fct_job_run_costs', 'fct_team_costs_daily'
)) }}
