/*
  One row per UTC day x cloud scope (provider x sub-account x service x team x currency),
  every day from the first to the last day of loaded cloud charges (0 where the scope had
  none), with the day's expected cost: the median of the same weekday over the
  var('anomaly_baseline_weeks') weeks before (NULL until half of those weeks exist). A day is
  shifted when it is off that by at least var('cloud_shift_min_change_pct') percent and
  var('cloud_shift_min_amount').
*/

with

charges as (

    select * from {{ ref('fct_focus_costs') }} where "x_Source" = 'cloud'

),

scope_costs as (

    select
        "ProviderName" as provider_name,
        coalesce("SubAccountId", '') as sub_account_id,
        max("SubAccountName") as sub_account_name,
        coalesce("ServiceName", '') as service_name,
        "x_Team" as team,
        "BillingCurrency" as currency,
        "x_ChargeDate" as cost_date,
        sum("EffectiveCost") as cost

    from charges
    group by "ProviderName", coalesce("SubAccountId", ''), coalesce("ServiceName", ''),
        "x_Team", "BillingCurrency", "x_ChargeDate"

),

scopes as (

    select distinct
        provider_name,
        sub_account_id,
        service_name,
        team,
        currency,
        max(sub_account_name) over (
            partition by provider_name, sub_account_id, service_name, team, currency
        ) as sub_account_name

    from scope_costs

),

days as (

    select cast(day as date) as cost_date
    from (select min(cost_date) as first_day, max(cost_date) as last_day from scope_costs)
        as bounds,
        unnest(generate_series(bounds.first_day, bounds.last_day, interval 1 day)) as spine(day)

),

filled as (

    select
        scopes.*,
        days.cost_date,
        coalesce(scope_costs.cost, 0) as cost

    from scopes
    cross join days
    left join scope_costs
        on scopes.provider_name = scope_costs.provider_name
        and scopes.sub_account_id = scope_costs.sub_account_id
        and scopes.service_name = scope_costs.service_name
        and scopes.team = scope_costs.team
        and scopes.currency = scope_costs.currency
        and days.cost_date = scope_costs.cost_date

),

baselines as (

    select
        day.provider_name,
        day.sub_account_id,
        day.service_name,
        day.team,
        day.currency,
        day.cost_date,
        median(past.cost) as expected_cost,
        count(past.cost) as baseline_weeks

    from filled as day
    inner join filled as past
        on day.provider_name = past.provider_name
        and day.sub_account_id = past.sub_account_id
        and day.service_name = past.service_name
        and day.team = past.team
        and day.currency = past.currency
        and past.cost_date < day.cost_date
        and past.cost_date >= day.cost_date - {{ var('anomaly_baseline_weeks') * 7 }}
        and dayofweek(past.cost_date) = dayofweek(day.cost_date)
    group by all

),

final as (

    select
        filled.provider_name,
        filled.sub_account_id,
        filled.sub_account_name,
        filled.service_name,
        filled.team,
        filled.currency,
        filled.cost_date,
        cast(filled.cost as {{ money_type() }}) as cost,
        case
            when baselines.baseline_weeks * 2 >= {{ var('anomaly_baseline_weeks') }}
                then cast(baselines.expected_cost as {{ money_type() }})
        end as expected_cost,
        coalesce(
            baselines.baseline_weeks * 2 >= {{ var('anomaly_baseline_weeks') }}
            and abs(filled.cost - baselines.expected_cost) >= {{ var('cloud_shift_min_amount') }}
            and abs(filled.cost - baselines.expected_cost)
                >= {{ var('cloud_shift_min_change_pct') }} * 0.01 * abs(baselines.expected_cost),
            false
        ) as is_shifted

    from filled
    left join baselines
        on filled.provider_name = baselines.provider_name
        and filled.sub_account_id = baselines.sub_account_id
        and filled.service_name = baselines.service_name
        and filled.team = baselines.team
        and filled.currency = baselines.currency
        and filled.cost_date = baselines.cost_date

)

select * from final
