-- budget_status_monthly.forecast_cost is exactly the cost to date plus the forecast of the
-- remaining days (int_budget_forecasts), and a past month's forecast is exactly its cost:
-- no figure goes through a floating-point sum. Names the budget.
{% set problems %}
with

budget_status as (

    select * from {{ ref('budget_status_monthly') }}

),

forecasts as (

    select * from {{ ref('int_budget_forecasts') }}

),

final as (

    select
        budget_status.budget_key,
        'budget ' || budget_status.budget_key || ': forecast_cost '
            || cast(budget_status.forecast_cost as {{ dbt.type_string() }})
            || case
                when budget_status.month_state = 'past'
                    then ' of a past month is not its cost to date '
                else ' is not the cost to date plus the remaining days'' forecast, '
            end
            || cast(budget_status.cost_to_date + coalesce(forecasts.remaining_forecast_cost, 0)
                as {{ dbt.type_string() }}) as problem

    from budget_status
    left join forecasts
        on budget_status.budget_key = forecasts.budget_key
    where budget_status.forecast_cost
            <> budget_status.cost_to_date + coalesce(forecasts.remaining_forecast_cost, 0)
        or (budget_status.month_state = 'past' and forecasts.budget_key is not null)

)

select * from final
{% endset %}
{{ report_problems(problems) }}
