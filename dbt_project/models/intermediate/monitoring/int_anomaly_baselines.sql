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
  - One row per row of int_scope_days_filled, which it is built from (joined only to
    int_anomaly_volatility, which has one row per row of it; int_anomaly_days_scored,
    which joins the three, tests the grain).

  A table (int_anomaly_org_days and int_anomaly_days_scored both read it; a view would work
  out every day's eight-week medians once for each), incremental: replaces the org-days
  int_anomaly_refresh_days lists, reading the scope-days from a baseline's weeks before them
  (macros/monitoring_refresh.sql).
*/

{%- set weeks = baseline_weeks() %}

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        refresh_partitions='int_anomaly_refresh_days',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_anomaly_refresh_days') }}

with

filled as (

    select * from {{ ref('int_scope_days_filled') }} as filled
    {% if is_incremental() -%}
    where {{ within_reach_of_monitoring_refresh('filled', 7 * weeks) }}
    {%- endif %}

),

volatility as (

    select * from {{ ref('int_anomaly_volatility') }} as volatility
    {% if is_incremental() -%}
    where {{ within_reach_of_monitoring_refresh('volatility', 7 * weeks) }}
    {%- endif %}

),

learnable_days as (

    -- what each day can teach a later day's baseline: nothing on the company's off days
    -- (seeds/calendar.csv)
    select
        filled.scope_key,
        filled.usage_date,
        filled.org_id,
        filled.usage_credits,
        not volatility.is_off_day as is_learnable,
        -- the lump a credit of that day came in: the size of the workflow run a random
        -- credit belonged to (sum of the runs' squared credits over their sum)
        filled.workflow_run_credits_squared
            / nullif(cast(filled.usage_credits as double precision), 0) as baseline_lump_credits

    from filled
    inner join volatility
        on filled.scope_key = volatility.scope_key
        and filled.usage_date = volatility.usage_date

),

baseline_values as (

    -- the same weekday 1 .. N weeks before, inside the scope's life, learnable days only
    select
        scope_key,
        usage_date,
        org_id,
        list(usage_credits) filter (where is_learnable) over same_weekdays
            as baseline_credits,
        list(baseline_lump_credits) filter (where is_learnable) over same_weekdays
            as baseline_lump_credits,
        -- the scope's average day (all weekdays) over the same weeks
        avg(usage_credits) over (
            partition by scope_key order by usage_date
            rows between {{ 7 * weeks }} preceding and 1 preceding
        ) as level_credits

    from learnable_days
    window same_weekdays as ({{ same_weekdays_before() }})

),

baseline_medians as (

    select
        scope_key,
        usage_date,
        org_id,
        coalesce(len(baseline_credits), 0) as baseline_days,
        baseline_credits,
        {{ list_median('baseline_credits') }} as expected_credits,
        {{ list_median('baseline_lump_credits') }} as lump_credits,
        level_credits

    from baseline_values
    {%- if is_incremental() %}
    where {{ on_listed_org_days('baseline_values', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

),

final as (

    select
        scope_key,
        usage_date,
        org_id,
        baseline_days,
        expected_credits,
        {{ list_median('list_transform(baseline_credits, lambda credits: abs(credits - expected_credits))') }}
            as median_absolute_deviation_credits,
        lump_credits,
        level_credits

    from baseline_medians

)

select * from final
