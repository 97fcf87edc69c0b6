/*
  int_budget_periods: one row per row of budgets.csv, with the period its figures cover:
  the budget's month, the day it is complete through (as_of_date) and how many scopes it
  covers.

  Guarantees:
  - as_of_date is the earliest last complete day of the budget's scopes (so a budget over
    two orgs is never ahead of either), or the latest complete day of any scope when it
    covers none; never the current UTC day (int_scope_days_filled).
  - Every column of stg_seeds__budgets, unchanged; one row per budget_key.
*/

with

budgets as (

    select * from {{ ref('stg_seeds__budgets') }}

),

budget_scopes as (

    select * from {{ ref('int_budget_scopes') }}

),

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

latest_complete_day as (

    select max(complete_through) as complete_through from filled

),

final as (

    select
        budgets.*,
        count(budget_scopes.scope_key) as matched_scopes,
        max(budget_scopes.currency) as cost_currency,
        -- the day the budget's figures are complete through: the earliest of its scopes'
        coalesce(min(budget_scopes.complete_through), max(latest_complete_day.complete_through))
            as as_of_date,
        cast({{ dbt.last_day('budgets.budget_month', 'month') }} as date) as month_last_day

    from budgets
    cross join latest_complete_day
    left join budget_scopes
        on budgets.budget_key = budget_scopes.budget_key
    group by
        budgets.budget_key,
        budgets.scope_type,
        budgets.scope,
        budgets.budget_month,
        budgets.month_as_written,
        budgets.budget_amount,
        budgets.budget_amount_as_written,
        budgets.currency

)

select * from final
