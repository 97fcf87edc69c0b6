/*
  int_anomaly_volatility: one row per scope and UTC day of int_scope_days_filled: how much
  this scope's days usually depart from their weekday-matched baseline, learnt from the
  var('anomaly_baseline_weeks') weeks before the day (every day of them, not only the same
  weekday), whether the company is off that day (seeds/calendar.csv), and whether the scope
  has gone quiet. The anomaly score reads it (int_anomaly_days_scored), so each series is
  judged against its own volatility: a sparse or spiky series (a nightly fuzzer, a training
  job that runs some days) is not flagged for doing what it regularly does.

  Guarantees:
  - One row per row of int_scope_days_filled (left joins only; unique on scope_key and
    usage_date).
  - Credits, not money: the score prices them at the day's own price.
  - Only days before the day itself are learnt from, and never the company's off days (a
    holiday neither widens the usual spread nor counts as the scope going quiet).
  - residual_* are departures from the same baseline the score uses: the median of the same
    weekday over the previous var('anomaly_baseline_weeks') weeks, off days left out.
  - has_gone_quiet on at most one day of a run of quiet watched days: the day the run reaches
    var('anomaly_quiet_days') days in a scope rarely quiet before, or its longest quiet run
    of the weeks before plus that many in a scope often quiet (unit test
    a_holiday_is_an_off_day_and_an_archived_project_goes_quiet).

  - is_watched and is_quiet say which days the quiet runs are made of: a working day on which
    falling to nothing would be a drop of at least var('anomaly_min_amount'), and such a day
    below var('anomaly_quiet_pct') % of its expected credits.

  Incremental: replaces the org-days int_anomaly_refresh_days lists, reading the scope-days
  from two baselines' weeks and one week before them (macros/monitoring_refresh.sql), and
  the watched days before them as last built (a quiet run can have begun long before).
*/

{%- set weeks = baseline_weeks() -%}
{%- set tail = var('anomaly_tail_quantile_pct') | float / 100 -%}
{%- set quiet = var('anomaly_quiet_pct') | float / 100 -%}
{%- set quiet_days = var('anomaly_quiet_days') | int -%}
{%- set min_amount = var('anomaly_min_amount') | float -%}
{%- if not (0.5 < tail < 1) or quiet_days < 1 -%}
    {{ exceptions.raise_compiler_error(
        "anomaly_tail_quantile_pct must be between 50 and 100 and anomaly_quiet_days at "
        ~ "least 1 (got " ~ tail * 100 ~ ", " ~ quiet_days ~ ")") }}
{%- endif %}

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
    where {{ within_reach_of_monitoring_refresh('filled', 14 * weeks + 7) }}
    {%- endif %}

),

{% if is_incremental() %}

watched_before as (

    -- the watched days before the rebuilt ones, as last built
    select * from {{ this }} as built
    where built.is_watched
        and not {{ on_listed_org_days('built', ref('int_anomaly_refresh_days')) }}

),

{% endif %}

calendar as (

    select * from {{ ref('stg_seeds__calendar') }}

),

off_days as (

    -- the scope-days the company is off: a calendar day for every org or for this one
    select distinct
        filled.scope_key,
        filled.usage_date

    from filled
    inner join calendar
        on calendar.calendar_date = filled.usage_date
        and (calendar.org_id is null or calendar.org_id = filled.org_id)

),

days as (

    select
        filled.scope_key,
        filled.usage_date,
        filled.org_id,
        filled.usage_credits,
        filled.price_per_credit,
        off_days.usage_date is not null as is_off_day

    from filled
    left join off_days
        on filled.scope_key = off_days.scope_key
        and filled.usage_date = off_days.usage_date

),

baseline_medians as (

    -- the median of the same weekday 1..N weeks before, inside the scope's life, working
    -- days only
    select
        scope_key,
        usage_date,
        {{ list_median('list(usage_credits) filter (where not is_off_day) over same_weekdays') }}
            as expected_credits

    from days
    window same_weekdays as ({{ same_weekdays_before() }})

),

residuals as (

    select
        days.*,
        baseline_medians.expected_credits,
        days.usage_credits - baseline_medians.expected_credits as residual_credits,
        -- a quiet day: almost nothing, where falling to that is a drop of at least the
        -- minimum amount
        {{ 1 - quiet }} * baseline_medians.expected_credits * days.price_per_credit
            >= {{ min_amount }}
            and days.usage_credits < {{ quiet }} * baseline_medians.expected_credits
            as is_quiet,
        -- a working day on which falling to nothing would matter
        coalesce(
            not days.is_off_day
            and {{ 1 - quiet }} * baseline_medians.expected_credits * days.price_per_credit
                >= {{ min_amount }},
            false
        ) as is_watched

    from days
    left join baseline_medians
        on days.scope_key = baseline_medians.scope_key
        and days.usage_date = baseline_medians.usage_date

),

learnt as (

    -- what the weeks before the day say, working days only (rows are contiguous days): how
    -- far days depart from their baselines, learnt from the weeks before the last one
    select
        scope_key,
        usage_date,
        org_id,
        is_off_day,
        is_quiet,
        is_watched,
        median(abs(residual_credits)) filter (where not is_off_day) over settled_weeks
            as residual_median_abs_credits,
        quantile_cont(residual_credits, {{ tail }}) filter (where not is_off_day)
            over settled_weeks as residual_upper_credits,
        quantile_cont(residual_credits, {{ 1 - tail }}) filter (where not is_off_day)
            over settled_weeks as residual_lower_credits,
        count(*) filter (where is_quiet and not is_off_day) over previous_weeks
            as quiet_days_before

    from residuals
    window
        previous_weeks as (
            partition by scope_key order by usage_date
            rows between {{ 7 * weeks }} preceding and 1 preceding
        ),
        -- the same length, a week earlier: a change (a step) does not widen the spread it is
        -- judged by in its own first week, so it stays one episode until the baseline
        -- has absorbed it
        settled_weeks as (
            partition by scope_key order by usage_date
            rows between {{ 7 * weeks + 7 }} preceding and 8 preceding
        )

),

rebuilt_watched_days as (

    select scope_key, usage_date, is_quiet
    from residuals
    where is_watched
        {%- if is_incremental() %}
        and {{ on_listed_org_days('residuals', ref('int_anomaly_refresh_days')) }}
        {%- endif %}

),

watched_days as (

    -- the working days on which the scope is expected to spend enough for a fall to nothing
    -- to matter: a weekend or holiday in between does not break a quiet run
    select
        scope_key,
        usage_date,
        is_quiet,
        -- a new group starts at each watched day that is not quiet
        sum(case when is_quiet then 0 else 1 end) over (
            partition by scope_key order by usage_date
            rows between unbounded preceding and current row
        ) as quiet_run_group

    from (
        {%- if is_incremental() %}
        select scope_key, usage_date, is_quiet from watched_before
        union all
        {%- endif %}
        select scope_key, usage_date, is_quiet from rebuilt_watched_days
    ) as every_watched_day

),

quiet_positions as (

    -- how many quiet watched days in a row, this one included (0 on a day that is not quiet)
    select
        *,
        case when is_quiet then row_number() over (
            partition by scope_key, quiet_run_group, is_quiet order by usage_date
        ) else 0 end as quiet_run_days

    from watched_days

),

quiet_runs as (

    select
        scope_key,
        quiet_run_group,
        min(usage_date) as first_day,
        max(usage_date) as last_day,
        count(*) as run_days

    from quiet_positions
    where is_quiet
    group by scope_key, quiet_run_group

),

usual_quiet_runs as (

    -- the longest quiet run that ended in the weeks before each run began
    select
        quiet_runs.scope_key,
        quiet_runs.quiet_run_group,
        coalesce(max(earlier_runs.run_days), 0) as longest_quiet_run_before

    from quiet_runs
    left join quiet_runs as earlier_runs
        on earlier_runs.scope_key = quiet_runs.scope_key
        and earlier_runs.last_day < quiet_runs.first_day
        and earlier_runs.last_day >= cast(
            {{ dbt.dateadd('day', -7 * weeks, 'quiet_runs.first_day') }} as date)
    group by quiet_runs.scope_key, quiet_runs.quiet_run_group

),

quiet_days_judged as (

    -- a scope that was quiet on fewer than anomaly_quiet_days days of the weeks before goes
    -- quiet on the day its quiet run has lasted that many watched days; one that is often
    -- quiet, on the day its run has lasted that many days longer than its longest of the
    -- weeks before (a fuzzer that skips a day now and then can still be paused)
    select
        quiet_positions.scope_key,
        quiet_positions.usage_date,
        quiet_positions.quiet_run_days,
        usual_quiet_runs.longest_quiet_run_before,
        case
            when learnt.quiet_days_before < {{ quiet_days }} then {{ quiet_days }}
            else usual_quiet_runs.longest_quiet_run_before + {{ quiet_days }}
        end as quiet_run_days_needed

    from quiet_positions
    inner join usual_quiet_runs
        on quiet_positions.scope_key = usual_quiet_runs.scope_key
        and quiet_positions.quiet_run_group = usual_quiet_runs.quiet_run_group
    inner join learnt
        on quiet_positions.scope_key = learnt.scope_key
        and quiet_positions.usage_date = learnt.usage_date
    where quiet_positions.is_quiet

),

final as (

    select
        learnt.scope_key,
        learnt.usage_date,
        learnt.org_id,
        learnt.is_off_day,
        learnt.is_watched,
        learnt.is_quiet,
        learnt.residual_median_abs_credits,
        learnt.residual_upper_credits,
        learnt.residual_lower_credits,
        learnt.quiet_days_before,
        quiet_days_judged.longest_quiet_run_before,
        -- gone quiet: its quiet run has just become as long as that
        coalesce(
            quiet_days_judged.quiet_run_days = quiet_days_judged.quiet_run_days_needed, false
        ) as has_gone_quiet,
        -- a quiet watched day of a run not yet that long: maybe the start of going quiet
        coalesce(
            quiet_days_judged.quiet_run_days <= quiet_days_judged.quiet_run_days_needed, false
        ) as is_quiet_start

    from learnt
    left join quiet_days_judged
        on learnt.scope_key = quiet_days_judged.scope_key
        and learnt.usage_date = quiet_days_judged.usage_date
    {%- if is_incremental() %}
    where {{ on_listed_org_days('learnt', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

)

select * from final
