/*
  budget_status_monthly: one row per row of budgets.csv (month x budget scope: a team, an org
  or a project): the budget, the cost so far in the month, a forecast to the month's end,
  the thresholds crossed and a status.

  Guarantees:
  - Cost is the scope's usage cost from int_scope_days_filled (summed by int_budget_days), the same days and the same
    cost as cost_daily_series: complete UTC days only (never the current day), seat (user)
    credits left out, as in CircleCI's own budgets (seat_cost_to_date shows what they add).
    Exact and unrounded.
  - Forecast = cost to date + the forecast of the remaining days of the month
    (int_budget_forecasts: each at the average cost of the same weekday over the last
    var('budget_forecast_weeks') complete weeks). A past month's forecast is its cost; a
    future month is all forecast (test_budgets_match_a_reference_forecast).
  - status: 'over' when the cost to date is above the budget, 'at risk' when the forecast is,
    'on track' otherwise; NULL when the budget is not a number (reported by
    assert_budgets_are_valid) or names no scope with usage. thresholds_crossed lists the var('budget_thresholds_pct')
    reached by the cost to date.
  - A budget names its scope by id or name (int_budget_scopes); matched_scopes says how many
    scopes a budget covers (0: none, reported by assert_budgets_name_known_scopes).
*/

with

budget_periods as (

    select * from {{ ref('int_budget_periods') }}

),

budget_days as (

    select * from {{ ref('int_budget_days') }}

),

forecasts as (

    select * from {{ ref('int_budget_forecasts') }}

),

month_to_date as (

    select
        budget_periods.budget_key,
        coalesce(sum(budget_days.cost), 0) as cost_to_date,
        coalesce(sum(budget_days.seat_cost), 0) as seat_cost_to_date

    from budget_periods
    left join budget_days
        on budget_periods.budget_key = budget_days.budget_key
        and budget_days.usage_date >= budget_periods.budget_month
    group by budget_periods.budget_key

),

measured as (

    select
        budget_periods.*,
        {{ dbt.datediff('budget_periods.budget_month', 'budget_periods.month_last_day', 'day') }} + 1
            as days_in_month,
        coalesce(forecasts.days_remaining, 0) as days_remaining,
        cast(month_to_date.cost_to_date as {{ money_type() }}) as cost_to_date,
        cast(month_to_date.cost_to_date + coalesce(forecasts.remaining_forecast_cost, 0)
            as {{ money_type() }}) as forecast_cost,
        cast(month_to_date.seat_cost_to_date as {{ money_type() }}) as seat_cost_to_date

    from budget_periods
    inner join month_to_date
        on budget_periods.budget_key = month_to_date.budget_key
    left join forecasts
        on budget_periods.budget_key = forecasts.budget_key

),

percentages as (

    select
        *,
        case
            when budget_amount > 0
                then 100 * cast(cost_to_date as double precision) / cast(budget_amount as double precision)
        end as pct_used,
        case
            when budget_amount > 0
                then 100 * cast(forecast_cost as double precision) / cast(budget_amount as double precision)
        end as forecast_pct

    from measured

),

thresholds as (

    {% for threshold in var('budget_thresholds_pct') -%}
    select {{ threshold | int }} as threshold_pct
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

thresholds_crossed as (

    select
        percentages.budget_key,
        max(thresholds.threshold_pct) as highest_threshold_crossed_pct,
        {{ dbt.listagg(
            "cast(thresholds.threshold_pct as " ~ dbt.type_string() ~ ") || '%'",
            "', '",
            "order by thresholds.threshold_pct"
        ) }} as thresholds_crossed

    from percentages
    inner join thresholds
        on percentages.pct_used >= thresholds.threshold_pct
    group by percentages.budget_key

),

final as (

    select
        percentages.budget_key,
        percentages.budget_month,
        percentages.scope_type,
        percentages.scope,
        percentages.matched_scopes,
        case
            when percentages.month_last_day <= percentages.as_of_date then 'past'
            when percentages.budget_month > percentages.as_of_date then 'future'
            else 'current'
        end as month_state,
        percentages.as_of_date,
        percentages.days_in_month,
        percentages.days_in_month - percentages.days_remaining as days_complete,
        percentages.days_remaining,
        percentages.currency,
        percentages.budget_amount,
        percentages.cost_to_date,
        percentages.forecast_cost,
        cast(percentages.forecast_cost - percentages.budget_amount as {{ money_type() }})
            as forecast_over_budget_cost,
        round(cast(percentages.pct_used as {{ dbt.type_numeric() }}), 2) as pct_used,
        round(cast(percentages.forecast_pct as {{ dbt.type_numeric() }}), 2) as forecast_pct,
        thresholds_crossed.thresholds_crossed,
        thresholds_crossed.highest_threshold_crossed_pct,
        case
            when percentages.budget_amount is null or percentages.matched_scopes = 0 then null
            when percentages.cost_to_date > percentages.budget_amount then 'over'
            when percentages.forecast_cost > percentages.budget_amount then 'at risk'
            else 'on track'
        end as status,
        percentages.seat_cost_to_date

    from percentages
    left join thresholds_crossed
        on percentages.budget_key = thresholds_crossed.budget_key

)

select * from final
