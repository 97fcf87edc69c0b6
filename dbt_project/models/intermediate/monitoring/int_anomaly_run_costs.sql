/*
  int_anomaly_run_costs: one row per scope and UTC day of int_scope_days_filled: what the
  scope's workflow runs cost each, against what its runs usually cost (the method:
  models/marts/monitoring/anomalies.md, "cost per run").

  A day's cost is its number of workflow runs times what a run costs. The number of runs is
  the noisy part (pushes come in bursts, whole days are busy or quiet); what a run costs is
  steady, and it is what a resource-class upgrade, a higher parallelism or slower, re-tried
  jobs change. So a rise in the cost of a run stands out long before the day's cost does.

  Guarantees:
  - One row per row of int_scope_days_filled (unique on scope_key and usage_date): a window
    over its rows, which are contiguous days.
  - Credits, not money, except run_window_change_cost, priced at the day's price.
  - The usual credits per run of a day are the credits over the runs of the same weekday
    1 .. var('anomaly_baseline_weeks') weeks before, the company's off days left out
    (int_anomaly_volatility.is_off_day); NULL when those days had no run.
  - The window is the day and the var('anomaly_run_cost_days') - 1 days before it; its
    expected credits are each day's runs at that day's usual credits per run.
  - The spread of the window's log ratio is learnt, as the volatility is, from the weeks
    before the last one, so a change does not widen the spread it is judged by.
  - is_run_cost_up exactly when the day's own runs, at least var('anomaly_run_cost_min_runs')
    of them, cost var('anomaly_run_cost_min_pct') % more each than usual.
  - is_day_run_cost_jump exactly when is_run_cost_up and the day's own ratio is above
    var('anomaly_run_cost_threshold') times the usual spread of the window's ratio: the day
    alone says its runs cost more each, so a rise on it needs no second day
    (int_anomaly_episodes; test_monitoring_method.py: one_day_spike_is_one_episode_with_its_impact).
  - is_run_cost_rise exactly when: the window's runs cost var('anomaly_run_cost_min_pct') %
    more each than usual and var('anomaly_run_cost_threshold') times the usual spread of that
    ratio, the day's own runs, at least var('anomaly_run_cost_min_runs') of them, also cost
    that percentage more each (one long run on a quiet day is a lump, not a dearer run), and
    the window's extra cost passes var('anomaly_min_amount') (test_monitoring_method.py:
    run_cost_step_is_found_by_its_cost_per_run, run_cost_step_day_is_anomalous_inside_its_bounds).

  Incremental: replaces the org-days int_anomaly_refresh_days lists, reading the scope-days
  its windows reach before them (macros/monitoring_refresh.sql): the usual cost of a run
  (the baseline's weeks), the window's days, and the weeks its spread is learnt from.
*/

{%- set weeks = baseline_weeks() -%}
{%- set window_days = var('anomaly_run_cost_days') | int -%}
{%- set threshold = var('anomaly_run_cost_threshold') | float -%}
{%- set min_ratio = 1 + var('anomaly_run_cost_min_pct') | float / 100 -%}
{%- set min_runs = var('anomaly_run_cost_min_runs') | int -%}
{%- set tail = var('anomaly_tail_quantile_pct') | float / 100 -%}
{%- if window_days < 1 or threshold <= 0 or min_ratio <= 1 -%}
    {{ exceptions.raise_compiler_error(
        "anomaly_run_cost_days must be at least 1, anomaly_run_cost_threshold and "
        ~ "anomaly_run_cost_min_pct above 0 (got " ~ window_days ~ ", " ~ threshold ~ ", "
        ~ (min_ratio - 1) * 100 ~ ")") }}
{%- endif %}

{%- set reach_days = 7 * weeks + (window_days - 1) + (7 * weeks + 7) %}

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
    where {{ within_reach_of_monitoring_refresh('filled', reach_days) }}
    {%- endif %}

),

volatility as (

    select * from {{ ref('int_anomaly_volatility') }} as volatility
    {% if is_incremental() -%}
    where {{ within_reach_of_monitoring_refresh('volatility', reach_days) }}
    {%- endif %}

),

days as (

    select
        filled.scope_key,
        filled.usage_date,
        filled.org_id,
        filled.price_per_credit,
        filled.workflow_runs,
        cast(filled.usage_credits as double precision) as usage_credits,
        volatility.is_off_day

    from filled
    inner join volatility
        on filled.scope_key = volatility.scope_key
        and filled.usage_date = volatility.usage_date

),

usual_run_credits as (

    -- the same weekday of the weeks before (same_weekdays_before), working days only
    select
        *,
        sum(case when not is_off_day then usage_credits end) over same_weekdays
            / nullif(sum(case when not is_off_day then workflow_runs end) over same_weekdays, 0)
            as usual_credits_per_run

    from days
    window same_weekdays as ({{ same_weekdays_before() }})

),

run_windows as (

    select
        *,
        sum(workflow_runs) over recent_days as run_window_runs,
        sum(usage_credits) over recent_days as run_window_credits,
        sum(workflow_runs * usual_credits_per_run) over recent_days as run_window_expected_credits

    from usual_run_credits
    window recent_days as (
        partition by scope_key order by usage_date
        rows between {{ window_days - 1 }} preceding and current row
    )

),

run_ratios as (

    select
        *,
        case when workflow_runs > 0 and usual_credits_per_run > 0
            then ln(usage_credits / workflow_runs / usual_credits_per_run)
        end as day_log_ratio,
        case when run_window_credits > 0 and run_window_expected_credits > 0
            then ln(run_window_credits / run_window_expected_credits)
        end as run_window_log_ratio

    from run_windows

),

run_spreads as (

    -- how far the window's ratio usually strays, from the weeks before the last one: the
    -- larger of a robust standard deviation and the usual rises (the tail quantile over the
    -- same point of a normal distribution), never below 0.05 (5 % a run)
    select
        *,
        greatest(
            1.4826 * median(abs(run_window_log_ratio)) over settled_weeks,
            quantile_cont(run_window_log_ratio, {{ tail }}) over settled_weeks
                / {{ normal_quantile(var('anomaly_tail_quantile_pct'), 'anomaly_tail_quantile_pct') }},
            0.05
        ) as run_window_log_spread

    from run_ratios
    window settled_weeks as (
        partition by scope_key order by usage_date
        rows between {{ 7 * weeks + 7 }} preceding and 8 preceding
    )

),

final as (

    select
        scope_key,
        usage_date,
        org_id,
        usual_credits_per_run,
        run_window_runs,
        run_window_credits,
        run_window_expected_credits,
        run_window_log_ratio,
        run_window_log_spread,
        (run_window_credits - run_window_expected_credits)
            * cast(price_per_credit as double precision) as run_window_change_cost,
        -- the day's own runs cost the percentage more each: an episode reaches back over
        -- such days (int_anomaly_episodes), so a step is dated from its first day
        coalesce(
            workflow_runs >= {{ min_runs }} and day_log_ratio > ln({{ min_ratio }}), false
        ) as is_run_cost_up,
        -- the day's own runs cost that much more each, and far more than the window's
        -- ratio usually strays: a rise that day is not only more runs
        coalesce(
            workflow_runs >= {{ min_runs }}
            and day_log_ratio > ln({{ min_ratio }})
            and day_log_ratio > {{ threshold }} * run_window_log_spread,
            false
        ) as is_day_run_cost_jump,
        coalesce(
            workflow_runs >= {{ min_runs }}
            and run_window_log_ratio > ln({{ min_ratio }})
            and run_window_log_ratio > {{ threshold }} * run_window_log_spread
            and day_log_ratio > ln({{ min_ratio }})
            and (run_window_credits - run_window_expected_credits)
                * cast(price_per_credit as double precision) >= {{ var('anomaly_min_amount') }},
            false
        ) as is_run_cost_rise

    from run_spreads
    {%- if is_incremental() %}
    where {{ on_listed_org_days('run_spreads', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

)

select * from final
