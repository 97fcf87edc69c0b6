-- Every row of budgets.csv is usable: a scope type of team, org or project, a scope, a month,
-- an amount that is a number at or above zero, the prices' currency, and no two rows for the
-- same scope and month. Names the row and what to fix.
{% set problems %}
with

budgets as (

    select * from {{ ref('stg_seeds__budgets') }}

),

price_currencies as (

    select distinct currency from {{ ref('stg_seeds__credit_prices') }} where currency is not null

),

row_problems as (

    select
        budget_key,
        case
            when scope_type is null or scope_type not in ('team', 'org', 'project')
                then 'scope_type is ' || coalesce('"' || scope_type || '"', 'blank')
                    || '; use team, org or project'
            when scope is null then 'scope is blank; name the team, org or project'
            when budget_month is null then 'month is blank; write the first day of the month, YYYY-MM-01'
            when budget_amount_as_written is null then 'budget_amount is blank'
            when budget_amount is null
                then 'budget_amount "' || budget_amount_as_written || '" is not a number (write 1500.00, no thousands separator or currency sign)'
            when budget_amount < 0 then 'budget_amount ' || budget_amount_as_written || ' is below zero'
            when currency is null then 'currency is blank'
            when currency not in (select currency from price_currencies)
                then 'currency ' || currency || ' is not the currency of credit_prices.csv'
        end as problem_text

    from budgets

),

duplicates as (

    select
        budget_key,
        'appears ' || cast(count(*) as {{ dbt.type_string() }})
            || ' times: keep one row per scope and month' as problem_text

    from budgets
    group by budget_key
    having count(*) > 1

),

problems as (

    select * from row_problems where problem_text is not null
    union all
    select * from duplicates

)

select
    'budgets.csv row ' || budget_key || ': ' || problem_text as problem,
    problems.*

from problems
{% endset %}
{{ report_problems(problems) }}
