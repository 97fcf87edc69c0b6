-- team_ci_cloud_monthly must add up to fct_focus_costs exactly, per UTC month and currency,
-- on each side (CircleCI and cloud).
{% set expected %}
select
    cast(date_trunc('month', "x_ChargeDate") as date) as cost_month,
    "BillingCurrency" as currency,
    case when "x_Source" = 'circleci' then "EffectiveCost" else 0 end as ci_cost,
    case when "x_Source" = 'cloud' then "EffectiveCost" else 0 end as cloud_cost
from {{ ref('fct_focus_costs') }}
{% endset %}
{% set actual %}
select cost_month, currency, ci_cost, cloud_cost from {{ ref('team_ci_cloud_monthly') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['cost_month', 'currency'], ['ci_cost', 'cloud_cost'],
    'fct_focus_costs', 'team_ci_cloud_monthly'
)) }}
