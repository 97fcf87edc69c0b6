-- Every row of credit_prices.csv has a price per credit (a number above zero with at most 9
-- decimals) and a 3-letter currency.
{% set problems %}
with

credit_prices as (

    select * from {{ ref('stg_seeds__credit_prices') }}

),

checks as (

    select
        credit_prices.*,
        case
            when price_per_credit_as_written is null then 'has no price_per_credit'
            when price_per_credit is null then 'has price_per_credit "'
                || price_per_credit_as_written || '", which is not a number'
            when {{ try_cast('price_per_credit_as_written', 'decimal(38, 18)') }} <> price_per_credit
                then 'has price_per_credit ' || price_per_credit_as_written
                || ' with more than 9 decimals: round it (prices are kept to 9 decimals)'
            when price_per_credit <= 0 then 'has price_per_credit '
                || price_per_credit_as_written || ': a price must be above 0'
            when currency is null then 'has no currency: give an ISO 4217 code such as USD'
            when length(currency) <> 3 then 'has currency "' || currency
                || '": give a 3-letter ISO 4217 code such as USD'
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
