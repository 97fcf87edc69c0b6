/*
  int_anomaly_baselines: one row per scope and UTC day of int_scope_days_filled, with what
  the same scope did before that day, in credits: the baseline the anomaly score compares the
  day with (the method: models/marts/monitoring/anomalies.md).

  Guarantees:
  - The baseline of a day is the same weekday 1 .. var('anomaly_baseline_weeks') weeks
    before, only on days inside the scope's life (before its first day there is nothing):
    baseline_days counts them, 0 when there is none (the day is then not scorable).
  - Credits, not money: int_anomaly_days_scored prices them at the day's own price, so a
    change of contracted price is not taken for a change of usage.
  - One row per row of int_scope_days_filled, which it is built from (its left joins keep
    every row; int_anomaly_days_scored, which joins the two, tests the grain).
*/

{%- set weeks = var('anomaly_baseline_weeks') | int %}

with

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

baseline_lags as (

    select * from {{ ref('int_anomaly_baseline_lags') }}

),

baseline_values as (

    -- the same weekday 1..N weeks before, where the scope already existed
    select
        scoped_day.scope_key,
        scoped_day.usage_date,
        past_day.usage_credits as baseline_credits,
        -- the lump a credit of that day came in: the size of the workflow run a random
        -- credit belonged to (sum of the runs' squared credits over their sum)
        past_day.workflow_run_credits_squared
            / nullif(cast(past_day.usage_credits as double precision), 0) as baseline_lump_credits

    from filled as scoped_day
    cross join baseline_lags
    inner join filled as past_day
        on past_day.scope_key = scoped_day.scope_key
        and past_day.usage_date = cast(
            {{ dbt.dateadd('day', '-7 * baseline_lags.weeks_back', 'scoped_day.usage_date') }}
            as date)
    -- the company's off days (seeds/calendar.csv) are not learnt from
    inner join {{ ref('int_anomaly_volatility') }} as past_flags
        on past_flags.scope_key = past_day.scope_key
        and past_flags.usage_date = past_day.usage_date
        and not past_flags.is_off_day

),

baseline_medians as (

    select
        scope_key,
        usage_date,
        count(*) as baseline_days,
        {{ median('baseline_credits') }} as expected_credits,
        {{ median('baseline_lump_credits') }} as lump_credits

    from baseline_values
    group by scope_key, usage_date

),

baseline_spreads as (

    select
        baseline_values.scope_key,
        baseline_values.usage_date,
        {{ median('abs(baseline_values.baseline_credits - baseline_medians.expected_credits)') }}
            as median_absolute_deviation_credits

    from baseline_values
    inner join baseline_medians
        on baseline_values.scope_key = baseline_medians.scope_key
        and baseline_values.usage_date = baseline_medians.usage_date
    group by baseline_values.scope_key, baseline_values.usage_date

),

baseline_levels as (

    -- the scope's average day (all weekdays) over the same weeks: rows are contiguous days
    select
        scope_key,
        usage_date,
        avg(usage_credits) over (
            partition by scope_key order by usage_date
            rows between {{ 7 * weeks }} preceding and 1 preceding
        ) as level_credits

    from filled

),

final as (

    select
        baseline_levels.scope_key,
        baseline_levels.usage_date,
        coalesce(baseline_medians.baseline_days, 0) as baseline_days,
        baseline_medians.expected_credits,
        baseline_spreads.median_absolute_deviation_credits,
        baseline_medians.lump_credits,
        baseline_levels.level_credits

    from baseline_levels
    left join baseline_medians
        on baseline_levels.scope_key = baseline_medians.scope_key
        and baseline_levels.usage_date = baseline_medians.usage_date
    left join baseline_spreads
        on baseline_levels.scope_key = baseline_spreads.scope_key
        and baseline_levels.usage_date = baseline_spreads.usage_date

)

select * from final
