/*
  team_ci_cloud_monthly: each team's CircleCI and cloud cost side by side, per UTC month.

  Grain: UTC month x team x currency (no conversion between currencies). Cost is FOCUS
  EffectiveCost from fct_focus_costs: CircleCI cost at the contracted credit price on the
  team_rules.csv team (before shared-cost policies, unlike team_chargeback_monthly), cloud
  cost on the cloud_team_rules.csv team. A month x team with cost on one side only shows 0 on
  the other.

  Guarantees (each one tested):
  - ci_cost and cloud_cost add up exactly, per month and currency, to fct_focus_costs
    (assert_team_ci_cloud_monthly_conserves_cost).
*/

with

costs as (

    select * from {{ ref('fct_focus_costs') }}

),

summed as (

    select
        cast(date_trunc('month', "x_ChargeDate") as date) as cost_month,
        "x_Team" as team,
        "BillingCurrency" as currency,
        sum(case when "x_Source" = 'circleci' then "EffectiveCost" else 0 end) as ci_cost,
        sum(case when "x_Source" = 'cloud' then "EffectiveCost" else 0 end) as cloud_cost

    from costs
    group by all

),

final as (

    select
        cost_month,
        team,
        currency,
        cast(ci_cost as {{ money_type() }}) as ci_cost,
        cast(cloud_cost as {{ money_type() }}) as cloud_cost,
        cast(ci_cost + cloud_cost as {{ money_type() }}) as total_cost,
        case
            when ci_cost + cloud_cost <> 0
                then round(100 * ci_cost / (ci_cost + cloud_cost), 2)
        end as ci_share_pct

    from summed

)

select * from final
