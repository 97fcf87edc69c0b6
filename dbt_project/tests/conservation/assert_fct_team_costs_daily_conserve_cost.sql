-- fct_team_costs_daily must add up to fct_job_run_costs for every day, org, project and
-- currency, exactly: total cost and credits; the parts rules placed (direct + split) alone;
-- and the redistributed parts to zero (shared-cost policies move cost, never make or lose it).
{% set expected %}
select
    usage_date, org_id, project_id, currency,
    total_cost,
    total_credits,
    total_cost as rule_placed_cost,
    total_credits as rule_placed_credits,
    0 as redistributed_cost,
    0 as redistributed_credits
from {{ ref('fct_job_run_costs') }}
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
from {{ ref('fct_team_costs_daily') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_date', 'org_id', 'project_id', 'currency'],
    ['total_cost', 'total_credits', 'rule_placed_cost', 'rule_placed_credits',
     'redistributed_cost', 'redistributed_credits'],
    'fct_job_run_costs', 'fct_team_costs_daily'
)) }}
