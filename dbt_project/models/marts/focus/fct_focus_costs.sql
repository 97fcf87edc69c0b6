/*
  fct_focus_costs: every cost in FOCUS terms, CircleCI's and the clouds', with its team.

  Grain: one row per row of focus_circleci_costs (x_Source `circleci`) and per loaded cloud
  FOCUS charge (x_Source `cloud`). Money in BillingCurrency, exact DECIMAL(38, 18); times UTC.
  Teams: CircleCI rows carry the team_rules.csv team (x_Team of focus_circleci_costs), cloud
  rows the cloud_team_rules.csv team (int_focus_cloud_charges_allocated).

  Guarantees (each one tested):
  - EffectiveCost and BilledCost add up exactly, per source, UTC day, billing account and
    currency, to focus_circleci_costs and to the loaded cloud charges
    (assert_fct_focus_costs_conserve_cost).
*/

with

circleci as (

    select * from {{ ref('focus_circleci_costs') }}

),

cloud as (

    select * from {{ ref('int_focus_cloud_charges_allocated') }}

),

circleci_rows as (

    select
        'circleci' as x_source,
        cast(null as {{ dbt.type_string() }}) as x_charge_key,
        "ProviderName" as provider_name,
        "BillingAccountId" as billing_account_id,
        "BillingAccountName" as billing_account_name,
        "SubAccountId" as sub_account_id,
        "SubAccountName" as sub_account_name,
        "ServiceName" as service_name,
        "ServiceCategory" as service_category,
        "ChargeCategory" as charge_category,
        "ChargeDescription" as charge_description,
        "ChargePeriodStart" as charge_period_start,
        "ChargePeriodEnd" as charge_period_end,
        "BillingPeriodStart" as billing_period_start,
        "ResourceId" as resource_id,
        "ResourceName" as resource_name,
        cast(null as {{ dbt.type_string() }}) as region_name,
        "SkuId" as sku_id,
        "Tags" as tags,
        "BillingCurrency" as billing_currency,
        "BilledCost" as billed_cost,
        "EffectiveCost" as effective_cost,
        "ListCost" as list_cost,
        "ContractedCost" as contracted_cost,
        "x_Team" as team,
        cast(null as {{ dbt.type_string() }}) as team_rule_id

    from circleci

),

cloud_rows as (

    select
        'cloud' as x_source,
        charge_key as x_charge_key,
        provider_name,
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,
        service_name,
        service_category,
        charge_category,
        charge_description,
        charge_period_start,
        charge_period_end,
        billing_period_start,
        resource_id,
        resource_name,
        region_name,
        sku_id,
        tags,
        billing_currency,
        billed_cost,
        effective_cost,
        list_cost,
        contracted_cost,
        team,
        team_rule_id

    from cloud

),

unioned as (

    select * from circleci_rows
    union all
    select * from cloud_rows

),

final as (

    select
        x_source as "x_Source",
        x_charge_key as "x_ChargeKey",
        provider_name as "ProviderName",
        billing_account_id as "BillingAccountId",
        billing_account_name as "BillingAccountName",
        sub_account_id as "SubAccountId",
        sub_account_name as "SubAccountName",
        service_name as "ServiceName",
        service_category as "ServiceCategory",
        charge_category as "ChargeCategory",
        charge_description as "ChargeDescription",
        charge_period_start as "ChargePeriodStart",
        charge_period_end as "ChargePeriodEnd",
        {{ utc_date('charge_period_start') }} as "x_ChargeDate",
        billing_period_start as "BillingPeriodStart",
        resource_id as "ResourceId",
        resource_name as "ResourceName",
        region_name as "RegionName",
        sku_id as "SkuId",
        tags as "Tags",
        billing_currency as "BillingCurrency",
        cast(billed_cost as {{ money_type() }}) as "BilledCost",
        cast(effective_cost as {{ money_type() }}) as "EffectiveCost",
        cast(list_cost as {{ money_type() }}) as "ListCost",
        cast(contracted_cost as {{ money_type() }}) as "ContractedCost",
        team as "x_Team",
        team_rule_id as "x_TeamRuleId"

    from unioned

)

select * from final
