-- agg_daily_costs must add up to fct_job_run_costs for every org, day and currency, exactly:
-- credits and cost by type, list-price cost, failed-run cost, row and run counts, seconds.
-- A routine run checks the org-days it rebuilt; full_history_tests checks all of them.
{% set expected %}
select usage_date, org_id, currency, {{ fct_conservation_expressions() }}
from {{ ref('fct_job_run_costs') }} as fct
where {{ checked_in_this_run('fct', 'refresh_costs') }}
{% endset %}
{% set actual %}
select usage_date, org_id, currency, {{ cost_measures() | join(', ') }}
from {{ ref('agg_daily_costs') }} as daily
where {{ checked_in_this_run('daily', 'refresh_costs') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_date', 'org_id', 'currency'], cost_measures(),
    'fct_job_run_costs', 'agg_daily_costs'
)) }}
