-- agg_monthly_costs must add up to fct_job_run_costs for every org, month and currency,
-- exactly (its zero-filled months add nothing), through agg_daily_costs: the daily mart is
-- checked against the fact for every org-day it rebuilds (assert_agg_daily_costs_conserve_cost),
-- so the org-months here sum days, not job runs. A routine run checks the org-months holding
-- an org-day it rebuilt; full_history_tests checks all of them.
{% set expected %}
select
    cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
    org_id,
    currency,
    {{ cost_measures() | join(', ') }}
from {{ ref('agg_daily_costs') }} as daily
where {{ day_month_checked_in_this_run('daily.usage_date', 'refresh_costs', 'daily.org_id') }}
{% endset %}
{% set actual %}
select usage_month, org_id, currency, {{ cost_measures() | join(', ') }}
from {{ ref('agg_monthly_costs') }} as monthly
where {{ month_checked_in_this_run('monthly.usage_month', 'refresh_costs', 'monthly.org_id') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_month', 'org_id', 'currency'], cost_measures(),
    'agg_daily_costs', 'agg_monthly_costs'
)) }}
