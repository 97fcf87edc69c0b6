/*
  int_budget_forecasts: one row per budget with days of its month after its as-of day: the
  cost forecast for those days.

  Guarantees:
  - Each remaining day of the month is forecast at the average cost of the same weekday over
    the last var('budget_forecast_weeks') complete weeks up to the as-of day, the company's
    off days (seeds/calendar.csv, rows for every org) left out; a remaining off day is
    forecast at the average of the recent weekend days, like a day nobody works
    (int_budget_days); at the average of all those days when a weekday has no history yet;
    zero for a scope without recent days (test_budgets_match_a_reference_forecast). A past
    month has no row (nothing remains); a future month is all forecast.
  - Each day's forecast is rounded to money (DECIMAL(38, 18)) before the days are summed, so
    the sum is exact and a rebuild gives the same figure to the last digit.
*/

with

budget_periods as (

    select * from {{ ref('int_budget_periods') }}

),

budget_days as (

    select * from {{ ref('int_budget_days') }}

),

calendar as (

    select * from {{ ref('stg_seeds__calendar') }}

),

company_off_days as (

    -- days off for every org: a budget can cover several orgs
    select distinct calendar_date

    from calendar
    where org_id is null

),

day_numbers as (

    {{ dbt.generate_series(31) }}

),

recent_days as (

    -- the forecast window: the last var('budget_forecast_weeks') weeks up to the as-of day
    select
        budget_days.*

    from budget_days
    inner join budget_periods
        on budget_days.budget_key = budget_periods.budget_key
        and budget_days.usage_date > cast(
            {{ dbt.dateadd('day', -7 * var('budget_forecast_weeks') | int, 'budget_periods.as_of_date') }}
            as date)
    left join company_off_days
        on budget_days.usage_date = company_off_days.calendar_date
    where company_off_days.calendar_date is null

),

remaining_days as (

    select
        budget_periods.budget_key,
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'budget_periods.budget_month') }} as date)
            as usage_date

    from budget_periods
    inner join day_numbers
        on cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'budget_periods.budget_month') }} as date)
            <= budget_periods.month_last_day
    where cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'budget_periods.budget_month') }} as date)
        > budget_periods.as_of_date

),

remaining_days_rated as (

    select
        remaining_days.budget_key,
        remaining_days.usage_date,
        -- an average is not exact: made money here, so the month's sum of the days is exact
        -- and does not depend on the order the database adds them in
        cast(coalesce(
            case when max(company_off_days.calendar_date) is not null then avg(case
                -- Saturday or Sunday: 1970-01-04 was a Sunday
                when mod({{ dbt.datediff("cast('1970-01-04' as date)", 'recent_days.usage_date', 'day') }}, 7) in (0, 6)
                    then recent_days.cost
            end) end,
            avg(case
                when mod({{ dbt.datediff('recent_days.usage_date', 'remaining_days.usage_date', 'day') }}, 7) = 0
                    then recent_days.cost
            end),
            avg(recent_days.cost),
            0
        ) as {{ money_type() }}) as forecast_cost

    from remaining_days
    left join company_off_days
        on remaining_days.usage_date = company_off_days.calendar_date
    left join recent_days
        on remaining_days.budget_key = recent_days.budget_key
    group by remaining_days.budget_key, remaining_days.usage_date

),

final as (

    select
        budget_key,
        count(*) as days_remaining,
        sum(forecast_cost) as remaining_forecast_cost

    from remaining_days_rated
    group by budget_key

)

select * from final
