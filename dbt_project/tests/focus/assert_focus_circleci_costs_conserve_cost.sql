-- focus_circleci_costs must add up to fct_job_run_costs for every org, day and currency,
-- exactly: BilledCost, EffectiveCost and ContractedCost to total_cost, PricingQuantity and
-- ConsumedQuantity to total_credits, ListCost to list_price_cost where the currencies agree.
-- A routine run checks the org-days it rebuilt (focus_circleci_costs rebuilds those flagged
-- refresh_allocation); full_history_tests checks all of them.
{% set expected %}
select
    usage_date,
    org_id,
    currency,
    total_cost as billed_cost,
    total_cost as effective_cost,
    total_cost as contracted_cost,
    total_credits as pricing_quantity,
    total_credits as consumed_quantity,
    case when currency = list_price_currency then list_price_cost else total_cost end as list_cost
from {{ ref('fct_job_run_costs') }} as fct
where {{ checked_in_this_run('fct', 'refresh_allocation') }}
{% endset %}
{% set actual %}
select
    cast("ChargePeriodStart" as date) as usage_date,
    "BillingAccountId" as org_id,
    "BillingCurrency" as currency,
    "BilledCost" as billed_cost,
    "EffectiveCost" as effective_cost,
    "ContractedCost" as contracted_cost,
    "PricingQuantity" as pricing_quantity,
    "ConsumedQuantity" as consumed_quantity,
    "ListCost" as list_cost
from {{ ref('focus_circleci_costs') }} as focus
where {{ checked_in_this_run(
    'focus', 'refresh_allocation', org_column='"BillingAccountId"', date_column='"ChargePeriodStart"'
) }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_date', 'org_id', 'currency'],
    ['billed_cost', 'effective_cost', 'contracted_cost', 'pricing_quantity', 'consumed_quantity', 'list_cost'],
    'fct_job_run_costs', 'focus_circleci_costs'
)) }}
