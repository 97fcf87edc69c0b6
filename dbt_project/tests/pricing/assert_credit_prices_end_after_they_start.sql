-- Every row of credit_prices.csv has an effective_from, and its effective_until (the inclusive
-- last day; blank = ongoing) is not before it.
{% set problems %}
with

credit_prices as (

    select * from {{ ref('stg_seeds__credit_prices') }}

),

checks as (

    select
        credit_prices.*,
        case
            when effective_from is null
                then 'has no effective_from: give the first day the price applies'
            when effective_until < effective_from
                then 'ends (effective_until) before it starts (effective_from)'
        end as failure

    from credit_prices

)

select
    'credit_prices.csv row ' || {{ credit_price_label('checks') }} || ' ' || failure as problem,
    price_key

from checks
where failure is not null
{% endset %}
{{ report_problems(problems) }}
