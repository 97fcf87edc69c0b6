-- agg_monthly_costs must add up to fct_job_run_costs for every org, month and currency,
-- exactly (its zero-filled months add nothing). A routine run checks the org-months holding
-- an org-day it rebuilt; full_history_tests checks all of them.
{% set expected %}
select
    cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
    org_id,
    currency,
    {{ fct_conservation_expressions() }}
from {{ ref('fct_job_run_costs') }} as fct
where {{ month_checked_in_this_run(
    'cast(' ~ dbt.date_trunc('month', 'fct.usage_date') ~ ' as date)', 'refresh_costs', 'fct.org_id'
) }}
{% endset %}
{% set actual %}
select usage_month, org_id, currency, {{ cost_measures() | join(', ') }}
from {{ ref('agg_monthly_costs') }} as monthly
where {{ month_checked_in_this_run('monthly.usage_month', 'refresh_costs', 'monthly.org_id') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_month', 'org_id', 'currency'], cost_measures(),
    'fct_job_run_costs', 'agg_monthly_costs'
)) }}
