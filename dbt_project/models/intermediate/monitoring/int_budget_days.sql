/*
  int_budget_days: one row per budget x UTC day with cost in its scopes, from the forecast
  window before the budget's as-of day (var('budget_forecast_weeks') weeks) and from the
  first day of its month, through the as-of day and the month's last day.

  Guarantees:
  - cost is the budget's scopes' usage cost that day from int_scope_days_filled (seat credits
    left out, as in cost_daily_series; seat_cost beside it), exact and unrounded, in the
    scopes' currency.
*/

with

budget_periods as (

    select * from {{ ref('int_budget_periods') }}

),

budget_scopes as (

    select * from {{ ref('int_budget_scopes') }}

),

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

final as (

    select
        budget_periods.budget_key,
        filled.usage_date,
        sum(filled.actual_cost) as cost,
        sum(filled.seat_cost) as seat_cost

    from budget_periods
    inner join budget_scopes
        on budget_periods.budget_key = budget_scopes.budget_key
    inner join filled
        on budget_scopes.scope_key = filled.scope_key
        and filled.usage_date <= budget_periods.as_of_date
        and filled.usage_date <= budget_periods.month_last_day
        and (
            filled.usage_date >= budget_periods.budget_month
            or filled.usage_date > cast(
                {{ dbt.dateadd('day', -7 * var('budget_forecast_weeks') | int, 'budget_periods.as_of_date') }}
                as date)
        )
    group by budget_periods.budget_key, filled.usage_date

)

select * from final
