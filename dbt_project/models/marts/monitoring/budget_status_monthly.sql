/*
  budget_status_monthly: one row per row of budgets.csv (month x budget scope: a team, an org
  or a project): the budget, the cost so far in the month, a forecast to the month's end,
  the thresholds crossed and a status.

  Guarantees:
  - Cost is the scope's usage cost from int_scope_days_filled, the same days and the same
    cost as cost_daily_series: complete UTC days only (never the current day), seat (user)
    credits left out, as in CircleCI's own budgets (seat_cost_to_date shows what they add).
    Exact and unrounded.
  - Forecast = cost to date + each remaining day of the month at the average cost of the same
    weekday over the last var('budget_forecast_weeks') complete weeks, the company's off days
    (seeds/calendar.csv rows for every org) left out (all days of that window when a weekday
    has no history yet; zero for a scope without recent days); a remaining off day at the
    average of the recent weekend days, like a day nobody works. A past month's
    forecast is its cost; a future month is all forecast.
  - status: 'over' when the cost to date is above the budget, 'at risk' when the forecast is,
    'on track' otherwise; NULL when the budget is not a number (reported by
    assert_budgets_are_valid) or names no scope with usage. thresholds_crossed lists the var('budget_thresholds_pct')
    reached by the cost to date.
  - A budget names its scope by id or name: an org by org_id or org name, a project by
    project_id, name, or "org name/project name", a team by name. A name found in several
    orgs covers them all; matched_scopes says how many scopes a budget covers (0: none,
    reported by assert_budgets_name_known_scopes).
*/

with

budgets as (

    select * from {{ ref('stg_seeds__budgets') }}

),

filled as (

    select * from {{ ref('int_scope_days_filled') }}

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

scopes as (

    select distinct
        scope_key,
        scope_type,
        org_id,
        org_name,
        project_id,
        project_name,
        team_name,
        complete_through,
        currency

    from filled
    where scope_type in ('org', 'project', 'team')

),

budget_scopes as (

    select
        budgets.budget_key,
        scopes.scope_key,
        scopes.complete_through,
        scopes.currency

    from budgets
    inner join scopes
        on budgets.scope_type = scopes.scope_type
        and (
            (scopes.scope_type = 'org' and budgets.scope in (scopes.org_id, scopes.org_name))
            or (scopes.scope_type = 'project' and budgets.scope in (
                scopes.project_id, scopes.project_name, scopes.org_name || '/' || scopes.project_name
            ))
            or (scopes.scope_type = 'team' and budgets.scope = scopes.team_name)
        )

),

latest_complete_day as (

    select max(complete_through) as complete_through from filled

),

budget_bounds as (

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

),

budget_days as (

    -- the budget's scopes summed per day, over the month and the forecast window before it
    select
        budget_bounds.budget_key,
        filled.usage_date,
        sum(filled.actual_cost) as cost,
        sum(filled.seat_cost) as seat_cost

    from budget_bounds
    inner join budget_scopes
        on budget_bounds.budget_key = budget_scopes.budget_key
    inner join filled
        on budget_scopes.scope_key = filled.scope_key
        and filled.usage_date <= budget_bounds.as_of_date
        and filled.usage_date <= budget_bounds.month_last_day
        and (
            filled.usage_date >= budget_bounds.budget_month
            or filled.usage_date > cast(
                {{ dbt.dateadd('day', -7 * var('budget_forecast_weeks') | int, 'budget_bounds.as_of_date') }}
                as date)
        )
    group by budget_bounds.budget_key, filled.usage_date

),

month_to_date as (

    select
        budget_bounds.budget_key,
        coalesce(sum(budget_days.cost), 0) as cost_to_date,
        coalesce(sum(budget_days.seat_cost), 0) as seat_cost_to_date

    from budget_bounds
    left join budget_days
        on budget_bounds.budget_key = budget_days.budget_key
        and budget_days.usage_date >= budget_bounds.budget_month
    group by budget_bounds.budget_key

),

recent_days as (

    -- the forecast window: the last var('budget_forecast_weeks') weeks up to the as-of day
    select
        budget_days.*

    from budget_days
    inner join budget_bounds
        on budget_days.budget_key = budget_bounds.budget_key
        and budget_days.usage_date > cast(
            {{ dbt.dateadd('day', -7 * var('budget_forecast_weeks') | int, 'budget_bounds.as_of_date') }}
            as date)
    left join company_off_days
        on budget_days.usage_date = company_off_days.calendar_date
    where company_off_days.calendar_date is null

),

remaining_days as (

    select
        budget_bounds.budget_key,
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'budget_bounds.budget_month') }} as date)
            as usage_date

    from budget_bounds
    inner join day_numbers
        on cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'budget_bounds.budget_month') }} as date)
            <= budget_bounds.month_last_day
    where cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'budget_bounds.budget_month') }} as date)
        > budget_bounds.as_of_date

),

remaining_days_rated as (

    select
        remaining_days.budget_key,
        remaining_days.usage_date,
        coalesce(
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
        ) as forecast_cost

    from remaining_days
    left join company_off_days
        on remaining_days.usage_date = company_off_days.calendar_date
    left join recent_days
        on remaining_days.budget_key = recent_days.budget_key
    group by remaining_days.budget_key, remaining_days.usage_date

),

forecasts as (

    select
        budget_key,
        count(*) as days_remaining,
        sum(forecast_cost) as remaining_forecast_cost

    from remaining_days_rated
    group by budget_key

),

measured as (

    select
        budget_bounds.*,
        {{ dbt.datediff('budget_bounds.budget_month', 'budget_bounds.month_last_day', 'day') }} + 1
            as days_in_month,
        coalesce(forecasts.days_remaining, 0) as days_remaining,
        cast(month_to_date.cost_to_date as {{ money_type() }}) as cost_to_date,
        cast(month_to_date.cost_to_date + coalesce(forecasts.remaining_forecast_cost, 0)
            as {{ money_type() }}) as forecast_cost,
        cast(month_to_date.seat_cost_to_date as {{ money_type() }}) as seat_cost_to_date

    from budget_bounds
    inner join month_to_date
        on budget_bounds.budget_key = month_to_date.budget_key
    left join forecasts
        on budget_bounds.budget_key = forecasts.budget_key

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
