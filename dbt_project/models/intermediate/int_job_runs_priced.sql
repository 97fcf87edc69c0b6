with

job_runs as (

    select * from {{ ref('stg_circleci__job_runs') }}

),

org_day_prices as (

    select * from {{ ref('int_org_days_priced') }}

),

priced as (

    select
        job_runs.*,
        job_runs.job_id is not null as is_job_run,
        coalesce(
            job_runs.job_status in (
                {%- for status in var('failed_job_statuses') %}
                '{{ status }}'{{ ',' if not loop.last }}
                {%- endfor %}
            ),
            false
        ) as is_failed,
        org_day_prices.price_key,
        org_day_prices.is_org_price,
        org_day_prices.price_per_credit,
        org_day_prices.currency,
        org_day_prices.price_note,
        cast('{{ var("list_price_per_credit") }}' as {{ price_type() }}) as list_price_per_credit,
        cast('{{ var("list_price_currency") }}' as {{ dbt.type_string() }}) as list_price_currency

    from job_runs
    left join org_day_prices
        on job_runs.org_id = org_day_prices.org_id
        and job_runs.usage_date = org_day_prices.usage_date

),

costed as (

    select
        *,
        -- exact: credits (scale 9) x price (scale 9) fits money_type (scale 18), nothing rounds
        {% for credit_type in credit_types() -%}
        cast({{ credit_type }}_credits * price_per_credit as {{ money_type() }}) as {{ credit_type }}_cost,
        {% endfor -%}
        cast(total_credits * price_per_credit as {{ money_type() }}) as total_cost,
        cast(total_credits * list_price_per_credit as {{ money_type() }}) as list_price_cost

    from priced

),

final as (

    select
        *,
        case
            when currency = list_price_currency
                then cast(list_price_cost - total_cost as {{ money_type() }})
        end as savings_vs_list_price

    from costed

)

select * from final
