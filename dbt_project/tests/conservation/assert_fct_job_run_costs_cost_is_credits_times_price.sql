-- On every row of fct_job_run_costs: a price is applied, and each cost is exactly its credits
-- times the price per credit (list_price_cost: total credits times the list price).
-- A routine run checks the rows it re-read; full_history_tests checks every row.
{% set problems %}
with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }} as fct
    where {{ checked_in_this_run('fct', 'refresh_costs') }}

),

checks as (

    select
        usage_row_id,
        case
            when price_per_credit is null or currency is null
                then 'has no price per credit or currency'
            {% for credit_type in credit_types() + ['total'] -%}
            when {{ credit_type }}_cost is distinct from
                cast({{ credit_type }}_credits * price_per_credit as {{ money_type() }})
                then 'has {{ credit_type }}_cost ' || coalesce(cast({{ credit_type }}_cost as {{ dbt.type_string() }}), 'NULL')
                    || ' but {{ credit_type }}_credits x price_per_credit = '
                    || cast(cast({{ credit_type }}_credits * price_per_credit as {{ money_type() }}) as {{ dbt.type_string() }})
            {% endfor -%}
            when list_price_cost is distinct from
                cast(total_credits * list_price_per_credit as {{ money_type() }})
                then 'has list_price_cost ' || coalesce(cast(list_price_cost as {{ dbt.type_string() }}), 'NULL')
                    || ' but total_credits x list_price_per_credit = '
                    || cast(cast(total_credits * list_price_per_credit as {{ money_type() }}) as {{ dbt.type_string() }})
        end as failure

    from job_run_costs

)

select
    'fct_job_run_costs row ' || usage_row_id || ' ' || failure as problem,
    usage_row_id

from checks
where failure is not null
{% endset %}
{{ report_problems(problems) }}
