-- fct_focus_costs must add up to both of its sides exactly, per source, UTC day, billing
-- account and currency: the CircleCI FOCUS rows and the loaded cloud charges.
{% set expected %}
select
    'circleci' as source,
    cast("ChargePeriodStart" as date) as charge_date,
    "BillingAccountId" as billing_account_id,
    "BillingCurrency" as currency,
    "EffectiveCost" as effective_cost,
    "BilledCost" as billed_cost,
    1 as charges
from {{ ref('focus_circleci_costs') }}
union all
select
    'cloud',
    charge_date,
    billing_account_id,
    billing_currency,
    effective_cost,
    billed_cost,
    1
from {{ ref('stg_focus__charges') }}
{% endset %}
{% set actual %}
select
    "x_Source" as source,
    "x_ChargeDate" as charge_date,
    "BillingAccountId" as billing_account_id,
    "BillingCurrency" as currency,
    "EffectiveCost" as effective_cost,
    "BilledCost" as billed_cost,
    1 as charges
from {{ ref('fct_focus_costs') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['source', 'charge_date', 'billing_account_id', 'currency'],
    ['effective_cost', 'billed_cost', 'charges'], 'its sources', 'fct_focus_costs'
)) }}
