-- Each row's cloud_actual_cost must be exactly the cloud EffectiveCost of fct_focus_costs for
-- its scope (provider, sub-account, service, team, currency) over its days.
{% set problems %}
with

correlations as (

    select * from {{ ref('cost_shift_correlations') }}

),

recomputed as (

    select
        correlations.correlation_id,
        coalesce(sum(costs."EffectiveCost"), 0) as cloud_cost

    from correlations
    left join {{ ref('fct_focus_costs') }} as costs
        on costs."x_Source" = 'cloud'
        and costs."ProviderName" = correlations.provider_name
        and coalesce(costs."SubAccountId", '') = correlations.sub_account_id
        and coalesce(costs."ServiceName", '') = correlations.service_name
        and costs."x_Team" = correlations.cloud_team
        and costs."BillingCurrency" = correlations.cloud_currency
        and costs."x_ChargeDate" between correlations.first_day and correlations.last_day
    group by correlations.correlation_id

)

select
    'cost_shift_correlations ' || correlations.correlation_id || ' (' || correlations.description
        || '): cloud_actual_cost ' || cast(correlations.cloud_actual_cost as varchar)
        || ' but fct_focus_costs sums to ' || cast(recomputed.cloud_cost as varchar) as problem
from correlations
inner join recomputed
    on correlations.correlation_id = recomputed.correlation_id
where correlations.cloud_actual_cost is distinct from recomputed.cloud_cost
{% endset %}
{{ report_problems(problems) }}
