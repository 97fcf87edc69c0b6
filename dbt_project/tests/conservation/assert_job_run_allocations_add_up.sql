-- The teams' parts of every usage row (int_job_runs_allocated) add up exactly to its cost and
-- credits in fct_job_run_costs, and every usage row is there: a split loses no remainder,
-- and no usage row is dropped or placed twice. A routine run checks the org-days it
-- re-allocated; full_history_tests checks all of them.
{% set expected %}
select usage_row_id, total_cost, total_credits
from {{ ref('fct_job_run_costs') }} as fct
where {{ checked_in_this_run('fct', 'refresh_allocation') }}
{% endset %}
{% set actual %}
select usage_row_id, allocated_cost as total_cost, allocated_credits as total_credits
from {{ ref('int_job_runs_allocated') }} as allocated
where {{ checked_in_this_run('allocated', 'refresh_allocation') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_row_id'], ['total_cost', 'total_credits'],
    'fct_job_run_costs', 'int_job_runs_allocated'
)) }}
