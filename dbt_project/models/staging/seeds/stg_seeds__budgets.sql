with

source as (

    select * from {{ ref('budgets') }}

),

blanks_as_null as (

    select
        lower(nullif(trim(scope_type), '')) as scope_type,
        nullif(trim(scope), '') as scope,
        cast(month as date) as month_as_written,
        nullif(trim(budget_amount), '') as budget_amount_as_written,
        upper(nullif(trim(currency), '')) as currency

    from source

),

final as (

    select
        -- names the budget row: "<scope_type>:<scope>:<month>"; unique once the budgets pass
        -- their tests
        coalesce(scope_type, '(blank)') || ':' || coalesce(scope, '(blank)') || ':'
            || coalesce(cast(cast({{ dbt.date_trunc('month', 'month_as_written') }} as date) as {{ dbt.type_string() }}), '(blank)')
            as budget_key,
        scope_type,
        scope,
        cast({{ dbt.date_trunc('month', 'month_as_written') }} as date) as budget_month,
        month_as_written,
        {{ try_cast('budget_amount_as_written', money_type()) }} as budget_amount,
        budget_amount_as_written,
        currency

    from blanks_as_null

)

select * from final
