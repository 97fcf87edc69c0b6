/*
  focus_circleci_costs: the CircleCI costs as FOCUS 1.2 cost-and-usage rows.

  Grain: UTC day x org x project x workflow (by name) x job (by name) x resource class x
  credit type x team. Seat (user) credits are their own charge: SkuId
  `circleci-user-seats`, ChargeFrequency `Recurring`, no project. The column-by-column
  mapping is in the model's YAML (doc focus_circleci_mapping) and docs/focus.md.

  Guarantees (each one tested):
  - EffectiveCost, BilledCost and ContractedCost add up exactly, per org, day and currency,
    to total_cost of fct_job_run_costs, and PricingQuantity to its total_credits
    (assert_focus_circleci_costs_conserve_cost);
  - one row per grain (unique_combination_of_columns in the YAML);
  - the file `python -m loader export focus` writes from it passes the FinOps Foundation's
    validator for FOCUS 1.2 with no failed rule (tests/loader/focus/test_export.py).

  Money is exact DECIMAL(38, 18) in BillingCurrency (the credit_prices.csv currency);
  quantities are CircleCI credits. Times are UTC.

  Incremental: every row sums one org-day (BillingAccountId, ChargePeriodStart) of
  int_focus_circleci_parts, so a run replaces the org-days int_refresh_plan flags
  refresh_allocation and keeps the others (replace_partitions: delete+insert by org-day).
  int_focus_circleci_parts is ephemeral and reads only those org-days when this table is
  built incrementally.
*/

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        refresh_flag='refresh_allocation',
        refresh_org_column='"BillingAccountId"',
        refresh_date_column='"ChargePeriodStart"',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_refresh_plan') }}

with

parts as (

    -- the rebuilt org-days only, on an incremental run (see int_focus_circleci_parts)
    select * from {{ ref('int_focus_circleci_parts') }}

),

grouped as (

    select
        usage_date,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        job_name,
        resource_class,
        credit_type,
        team,
        currency,
        price_per_credit,
        price_key,
        list_price_per_credit,
        list_price_currency,
        count(distinct usage_row_id) as usage_rows,
        sum(credits) as credits,
        sum(cost) as cost,
        sum(list_price_cost) as list_price_cost

    from parts
    group by all

),

described as (

    select
        *,
        credit_type = 'user' as is_seat_charge,
        case credit_type
            when 'compute' then 'compute'
            when 'dlc' then 'Docker layer caching'
            when 'user' then 'seat'
            when 'storage' then 'storage'
            when 'network' then 'network'
            when 'lease' then 'runner lease'
            when 'lease_overage' then 'runner lease overage'
            when 'ipranges' then 'IP ranges'
        end as credit_label,
        -- list prices are published in list_price_currency only
        currency = list_price_currency as has_list_price

    from grouped

),

final as (

    select
        -- FOCUS 1.2 columns
        cast(cost as {{ money_type() }}) as "BilledCost",
        org_id as "BillingAccountId",
        coalesce(org_name, org_id) as "BillingAccountName",
        currency as "BillingCurrency",
        cast(date_trunc('month', usage_date) + interval 1 month as timestamptz) as "BillingPeriodEnd",
        cast(date_trunc('month', usage_date) as timestamptz) as "BillingPeriodStart",
        'Usage' as "ChargeCategory",
        cast(null as {{ dbt.type_string() }}) as "ChargeClass",
        'CircleCI ' || credit_label || ' credits'
            || case
                when is_seat_charge then ' (plan seats of the organization)'
                else coalesce(' on ' || resource_class, '')
            end as "ChargeDescription",
        case when is_seat_charge then 'Recurring' else 'Usage-Based' end as "ChargeFrequency",
        cast(usage_date + interval 1 day as timestamptz) as "ChargePeriodEnd",
        cast(usage_date as timestamptz) as "ChargePeriodStart",
        cast(credits as {{ credits_type() }}) as "ConsumedQuantity",
        'Credits' as "ConsumedUnit",
        cast(cost as {{ money_type() }}) as "ContractedCost",
        price_per_credit as "ContractedUnitPrice",
        cast(cost as {{ money_type() }}) as "EffectiveCost",
        -- the usage export carries no invoice number: a provisional id of the org's month
        'circleci:' || org_id || ':' || strftime(usage_date, '%Y-%m') as "InvoiceId",
        'CircleCI' as "InvoiceIssuerName",
        cast(case when has_list_price then list_price_cost else cost end as {{ money_type() }})
            as "ListCost",
        case when has_list_price then list_price_per_credit else price_per_credit end
            as "ListUnitPrice",
        'Standard' as "PricingCategory",
        cast(credits as {{ credits_type() }}) as "PricingQuantity",
        'Credits' as "PricingUnit",
        'CircleCI' as "ProviderName",
        'CircleCI' as "PublisherName",
        project_id as "ResourceId",
        project_name as "ResourceName",
        case when project_id is not null then 'Project' end as "ResourceType",
        'Developer Tools' as "ServiceCategory",
        'CircleCI' as "ServiceName",
        'Continuous Integration and Deployment' as "ServiceSubcategory",
        case when is_seat_charge then 'circleci-user-seats' else 'circleci-' || replace(credit_type, '_', '-') || '-credits' end
            as "SkuId",
        credit_label || ' credits' as "SkuMeter",
        case when is_seat_charge then 'circleci-user-seats' else 'circleci-' || replace(credit_type, '_', '-') || '-credits' end
            || ':' || price_key as "SkuPriceId",
        org_id as "SubAccountId",
        coalesce(org_name, org_id) as "SubAccountName",
        'Organization' as "SubAccountType",
        cast(to_json(map_from_entries(list_filter(
            [
                struct_pack(k := 'team', v := team),
                struct_pack(k := 'workflow', v := workflow_name),
                struct_pack(k := 'job', v := job_name),
                struct_pack(k := 'resource_class', v := resource_class)
            ],
            lambda tag: tag.v is not null
        ))) as {{ dbt.type_string() }}) as "Tags",

        -- custom columns (FOCUS: x_ prefix, after the FOCUS columns)
        credit_type as "x_CreditType",
        workflow_name as "x_WorkflowName",
        job_name as "x_JobName",
        resource_class as "x_ResourceClass",
        team as "x_Team",
        price_key as "x_PriceKey",
        cast(usage_rows as {{ dbt.type_bigint() }}) as "x_UsageRows"

    from described

)

select * from final
