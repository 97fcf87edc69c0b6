/*
  int_scope_days_filled: one row per scope and UTC day of the scope's life, zero-filled, up
  to the last complete day. What the anomaly and budget marts read.

  - Life: from the scope's first day with usage (seat credits aside) to the last complete
    day, or to var('anomaly_baseline_weeks') weeks after its last day with usage, whichever
    comes first. Inside it a day without usage is a row of zeros, so a drop to nothing is
    seen; after it the scope is retired (an archived project makes one episode, then stops:
    by then its whole baseline is zero and there is nothing more to say).
  - Complete days: an org's data is complete through its last loaded day minus
    var('complete_day_lag_days'), and never through the current UTC day.
  - Price: the org's credit price of the day (int_org_days_priced); on a day the org has no
    usage at all, its price of the latest day before that it had some. The anomaly baseline
    is priced at this price, so a change of contracted price is not taken for a change of
    usage.

  A table rebuilt on every run: it reads int_scope_days_summed's scope-days (one row per
  scope and UTC day), never the job runs, so a daily build's work here does not grow with
  them (docs/performance.md).
*/

{{ config(materialized='table') }}

with

scope_days as (

    select * from {{ ref('int_scope_days_summed') }}

),

org_days_priced as (

    select * from {{ ref('int_org_days_priced') }}

),

day_numbers as (

    -- 1 .. 40,000: more days than any history (CircleCI keeps 13 months)
    {{ dbt.generate_series(40000) }}

),

org_bounds as (

    select
        org_id,
        min(usage_date) as first_usage_date,
        least(
            cast({{ dbt.dateadd('day', -1 * var('complete_day_lag_days') | int, 'max(usage_date)') }} as date),
            cast({{ dbt.dateadd('day', -1, utc_date(dbt.current_timestamp())) }} as date)
        ) as complete_through

    from org_days_priced
    group by org_id

),

org_calendar as (

    select
        org_bounds.org_id,
        org_bounds.complete_through,
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'org_bounds.first_usage_date') }} as date)
            as usage_date

    from org_bounds
    inner join day_numbers
        on day_numbers.generated_number - 1
            <= {{ dbt.datediff('org_bounds.first_usage_date', 'org_bounds.complete_through', 'day') }}

),

org_calendar_priced as (

    select
        org_calendar.org_id,
        org_calendar.usage_date,
        org_calendar.complete_through,
        -- carried forward over days the org has no usage at all
        last_value(org_days_priced.price_per_credit ignore nulls) over (
            partition by org_calendar.org_id order by org_calendar.usage_date
            rows between unbounded preceding and current row
        ) as price_per_credit,
        last_value(org_days_priced.currency ignore nulls) over (
            partition by org_calendar.org_id order by org_calendar.usage_date
            rows between unbounded preceding and current row
        ) as currency

    from org_calendar
    left join org_days_priced
        on org_calendar.org_id = org_days_priced.org_id
        and org_calendar.usage_date = org_days_priced.usage_date

),

scope_activity as (

    select
        scope_key,
        min(case when usage_credits <> 0 then usage_date end) as first_usage_date,
        max(case when usage_credits <> 0 then usage_date end) as last_usage_date

    from scope_days
    group by scope_key

),

scope_latest_names as (

    select
        scope_key,
        scope_type,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        resource_class,
        team_name,
        row_number() over (partition by scope_key order by usage_date desc) as recency

    from scope_days

),

scopes as (

    select
        scope_latest_names.scope_key,
        scope_latest_names.scope_type,
        scope_latest_names.org_id,
        scope_latest_names.org_name,
        scope_latest_names.project_id,
        scope_latest_names.project_name,
        scope_latest_names.workflow_name,
        scope_latest_names.resource_class,
        scope_latest_names.team_name,
        scope_activity.first_usage_date,
        scope_activity.last_usage_date

    from scope_latest_names
    inner join scope_activity
        on scope_latest_names.scope_key = scope_activity.scope_key
    where scope_latest_names.recency = 1
        -- a scope whose rows never used a credit (only seats, or only runs canceled before
        -- they started) has no life to watch
        and scope_activity.first_usage_date is not null

),

scope_calendar as (

    select
        scopes.*,
        org_calendar_priced.usage_date,
        org_calendar_priced.complete_through,
        org_calendar_priced.price_per_credit,
        org_calendar_priced.currency

    from scopes
    inner join org_calendar_priced
        on scopes.org_id = org_calendar_priced.org_id
        and org_calendar_priced.usage_date >= scopes.first_usage_date
        and org_calendar_priced.usage_date <= cast(
            {{ dbt.dateadd('day', 7 * baseline_weeks(), 'scopes.last_usage_date') }}
            as date)
    where org_calendar_priced.usage_date <= org_calendar_priced.complete_through

),

final as (

    select
        scope_calendar.scope_key,
        scope_calendar.usage_date,
        scope_calendar.scope_type,
        scope_calendar.org_id,
        scope_calendar.org_name,
        scope_calendar.project_id,
        scope_calendar.project_name,
        scope_calendar.workflow_name,
        scope_calendar.resource_class,
        scope_calendar.team_name,
        case scope_calendar.scope_type
            when 'org' then scope_calendar.org_name
            when 'project' then scope_calendar.project_name
            when 'workflow' then scope_calendar.project_name || ' / ' || scope_calendar.workflow_name
            when 'resource_class' then scope_calendar.resource_class
            when 'team' then scope_calendar.team_name
        end as scope_name,
        scope_calendar.first_usage_date,
        scope_calendar.last_usage_date,
        {{ dbt.datediff('scope_calendar.first_usage_date', 'scope_calendar.usage_date', 'day') }}
            as history_days,
        scope_calendar.complete_through,
        scope_calendar.currency,
        scope_calendar.price_per_credit,
        coalesce(scope_days.workflow_runs, 0) as workflow_runs,
        coalesce(scope_days.workflow_run_credits_squared, 0) as workflow_run_credits_squared,
        coalesce(scope_days.usage_credits, 0) as usage_credits,
        cast(coalesce(scope_days.usage_cost, 0) as {{ money_type() }}) as actual_cost,
        cast(coalesce(scope_days.seat_cost, 0) as {{ money_type() }}) as seat_cost

    from scope_calendar
    left join scope_days
        on scope_calendar.scope_key = scope_days.scope_key
        and scope_calendar.usage_date = scope_days.usage_date

)

select * from final
