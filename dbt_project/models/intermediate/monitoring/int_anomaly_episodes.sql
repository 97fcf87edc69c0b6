/*
  int_anomaly_episodes: one row per anomaly episode: a run of days on which one scope's cost
  is off its baseline in one direction, holding at least one anomalous day (the method:
  models/marts/monitoring/anomalies.md).

  An episode is raised on an anomalous day of int_anomaly_days_scored, reaches back to the
  day the cost first went off its baseline in that direction (a step that needed a few days
  to stand out is dated from its first day), and stays open while the cost stays off its
  baseline in the same direction by var('anomaly_continue_pct') % of the alarm margin (or, up,
  while its runs cost var('anomaly_run_cost_min_pct') % more each than usual), over
  gaps of at most var('anomaly_max_gap_days') days: a step the baseline is slowly absorbing
  remains one episode, and a weekday-only change too small to count on a weekend is bridged
  over it. A rise that only the day's cost shows (int_anomaly_days_scored.is_cost_rise_alone:
  more runs at their usual cost, no re-run storm, no pipeline loop) raises the episode only
  when the next day still leans up: a spiky scope's one-day burst is no episode, and such an
  episode is raised on that second day (var('anomaly_confirm_rises')).

  Guarantees:
  - anomaly_id is unique (unique, not_null): a hash of the scope, the direction and the
    first day.
  - detected_day, the first day that raised the episode, lies between first_day and last_day
    (test_runaway_is_one_episode_raised_by_its_second_day in tests/dbt): its first anomalous
    day, or, for a rise of the day's cost alone, the next day, leaning up; then
    confirmed_rise_day is the day before it (test_monitoring_method.py:
    one_day_burst_of_runs_is_no_episode, two_day_burst_of_runs_is_flagged_on_its_second_day).
  - The scope's names are the latest its series shows; series_last_day is the last day of
    its series (the last complete day while the scope is alive).

  A table rebuilt on every run: it reads the scored scope-days (one row per scope and UTC
  day), never the job runs, so a daily build's work here does not grow with them
  (docs/performance.md).
*/

{{ config(materialized='table') }}

{%- set continue_ratio = var('anomaly_continue_pct') | float / 100 -%}
{%- set max_gap = var('anomaly_max_gap_days') | int -%}
{%- set confirm_rises = var('anomaly_confirm_rises') -%}
{%- if confirm_rises not in [true, false] -%}
    {{ exceptions.raise_compiler_error(
        "anomaly_confirm_rises must be true or false (got " ~ confirm_rises ~ ")") }}
{%- endif %}

with

scored_days as (

    select * from {{ ref('int_anomaly_days_scored') }}

),

scopes as (

    select
        scope_key,
        max(scope_type) as scope_type,
        max(scope_name) as scope_name,
        max(org_id) as org_id,
        max(org_name) as org_name,
        max(project_id) as project_id,
        max(project_name) as project_name,
        max(workflow_name) as workflow_name,
        max(resource_class) as resource_class,
        max(team_name) as team_name,
        max(currency) as currency,
        max(usage_date) as series_last_day

    from scored_days
    group by scope_key

),

leaning_days as (

    -- each scorable day off its baseline, in the direction it leans: anomalous (in its
    -- anomaly's direction), a day whose runs cost var('anomaly_run_cost_min_pct') % more each
    -- than usual (up), or a day off by the continue percentage of its alarm margin
    select
        scope_key,
        usage_date,
        case
            when anomaly_direction is not null then anomaly_direction
            when is_run_cost_up then 'up'
            when deviation_cost > 0 then 'up'
            else 'down'
        end as direction,
        is_anomaly,
        is_cost_rise_alone

    from scored_days
    where is_scorable
        and deviation_cost <> 0
        and (
            is_anomaly
            or is_run_cost_up
            or abs(cast(deviation_cost as double precision)) >= {{ continue_ratio }} * alarm_margin_cost
        )

),

leaning_breaks as (

    -- a gap of more than max_gap days between two leaning days starts a new run
    select
        *,
        case
            when lag(usage_date) over (
                partition by scope_key, direction order by usage_date
            ) is null then 1
            when {{ dbt.datediff(
                'lag(usage_date) over (partition by scope_key, direction order by usage_date)',
                'usage_date', 'day') }} > {{ max_gap }} + 1 then 1
            else 0
        end as starts_run

    from leaning_days

),

leaning_runs as (

    select
        *,
        sum(starts_run) over (
            partition by scope_key, direction order by usage_date
            rows between unbounded preceding and current row
        ) as run_number

    from leaning_breaks

),

confirmations as (

    -- a day leaning up whose day before was a rise of the day's cost alone confirms it
    select
        *,
        coalesce(
            direction = 'up'
            and {{ dbt.datediff(
                'lag(usage_date) over (partition by scope_key, direction order by usage_date)',
                'usage_date', 'day') }} = 1
            and lag(is_cost_rise_alone) over (
                partition by scope_key, direction order by usage_date
            ),
            false
        ) as confirms_rise

    from leaning_runs

),

raising_days as (

    -- the days that raise an episode: an anomalous day, except a rise of the day's cost
    -- alone, which its next day raises when it confirms it
    select
        *,
        {% if confirm_rises -%}
        is_anomaly and not is_cost_rise_alone as raises_alone,
        (is_anomaly and not is_cost_rise_alone) or confirms_rise as raises
        {%- else -%}
        is_anomaly as raises_alone,
        is_anomaly as raises
        {%- endif %}

    from confirmations

),

episode_spans as (

    -- the runs holding at least one day that raises an episode
    select
        scope_key,
        direction,
        min(usage_date) as first_day,
        min(case when raises then usage_date end) as detected_day,
        min(case when raises_alone then usage_date end) as first_raised_alone_day,
        max(usage_date) as last_day

    from raising_days
    group by scope_key, direction, run_number
    having sum(case when raises then 1 else 0 end) > 0

),

episode_confirmations as (

    -- raised by a confirmation (not by the day alone): the rise was the day before
    select
        *,
        case
            when first_raised_alone_day is null or first_raised_alone_day > detected_day
                then {{ dbt.dateadd('day', -1, 'detected_day') }}
        end as confirmed_rise_day

    from episode_spans

),

final as (

    select
        {{ surrogate_key(['episode_confirmations.scope_key', 'episode_confirmations.direction', 'episode_confirmations.first_day']) }}
            as anomaly_id,
        scopes.*,
        episode_confirmations.direction,
        episode_confirmations.first_day,
        episode_confirmations.detected_day,
        cast(episode_confirmations.confirmed_rise_day as date) as confirmed_rise_day,
        episode_confirmations.last_day

    from episode_confirmations
    inner join scopes
        on episode_confirmations.scope_key = scopes.scope_key

)

select * from final
