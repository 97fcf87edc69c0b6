-- agg_monthly_costs must add up to fct_job_run_costs for every org, month and currency,
-- exactly (its zero-filled months add nothing).
{% set expected %}
select
    cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
    org_id,
    currency,
    {{ fct_conservation_expressions() }}
from {{ ref('fct_job_run_costs') }}
{% endset %}
{% set actual %}
select usage_month, org_id, currency, {{ cost_measures() | join(', ') }}
from {{ ref('agg_monthly_costs') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_month', 'org_id', 'currency'], cost_measures(),
    'fct_job_run_costs', 'agg_monthly_costs'
)) }}
