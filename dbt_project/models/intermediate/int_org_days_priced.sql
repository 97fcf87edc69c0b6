{{ config(materialized='table') }}

with

job_runs as (

    select * from {{ ref('stg_circleci__job_runs') }}

),

credit_prices as (

    select * from {{ ref('stg_seeds__credit_prices') }}

),

usage_days as (

    select
        org_id,
        usage_date,
        max(org_name) as org_name,
        count(*) as usage_rows,
        sum(total_credits) as total_credits

    from job_runs
    group by org_id, usage_date

),

candidate_prices as (

    -- every price row whose period covers the day and whose scope covers the org
    select
        usage_days.org_id,
        usage_days.usage_date,
        usage_days.org_name,
        usage_days.usage_rows,
        usage_days.total_credits,
        credit_prices.price_key,
        credit_prices.is_org_price,
        credit_prices.price_per_credit,
        credit_prices.currency,
        credit_prices.price_note,
        row_number() over (
            partition by usage_days.org_id, usage_days.usage_date
            -- an org's own price beats the all-orgs price; overlaps inside one scope fail
            -- assert_credit_prices_do_not_overlap, the order only keeps this model deterministic
            order by
                case when credit_prices.is_org_price then 0 else 1 end,
                credit_prices.effective_from desc,
                credit_prices.price_key
        ) as precedence

    from usage_days
    left join credit_prices
        on (credit_prices.org_id = usage_days.org_id or credit_prices.org_id is null)
        and usage_days.usage_date >= credit_prices.effective_from
        and (
            credit_prices.effective_until is null
            or usage_days.usage_date <= credit_prices.effective_until
        )

),

final as (

    select
        org_id,
        usage_date,
        org_name,
        usage_rows,
        total_credits,
        price_key,
        is_org_price,
        price_per_credit,
        currency,
        price_note

    from candidate_prices
    where precedence = 1

)

select * from final
