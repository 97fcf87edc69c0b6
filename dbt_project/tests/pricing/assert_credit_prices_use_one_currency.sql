-- All of credit_prices.csv is in one currency: the marts add costs across days, orgs and
-- projects and never convert currencies, so a second currency would make totals meaningless.
{% set problems %}
with

currencies as (

    select
        currency,
        count(*) as price_rows

    from {{ ref('stg_seeds__credit_prices') }}
    where currency is not null
    group by currency

),

summary as (

    select
        count(*) as currency_count,
        {{ dbt.listagg(
            "currency || ' (' || cast(price_rows as " ~ dbt.type_string() ~ ") || ' rows)'",
            "', '",
            "order by currency"
        ) }} as currency_list

    from currencies

)

select
    'credit_prices.csv mixes currencies: ' || currency_list
        || '; price every row in one currency (the marts do not convert currencies)' as problem,
    currency_count

from summary
where currency_count > 1
{% endset %}
{{ report_problems(problems) }}
