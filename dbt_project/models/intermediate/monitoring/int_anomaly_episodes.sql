/*
  int_anomaly_episodes: one row per anomaly episode: a run of days on which one scope's cost
  is off its baseline in one direction, holding at least one anomalous day (the method:
  models/marts/monitoring/anomalies.md).

  An episode is raised on an anomalous day of int_anomaly_days_scored, reaches back to the
  day the cost first went off its baseline in that direction (a step that needed a few days
  to stand out is dated from its first day), and stays open while the cost stays off its
  baseline in the same direction by var('anomaly_continue_pct') % of the alarm margin, over
  gaps of at most var('anomaly_max_gap_days') days: a step the baseline is slowly absorbing
  remains one episode, and a weekday-only change too small to count on a weekend is bridged
  over it.

  Guarantees:
  - anomaly_id is unique (unique, not_null): a hash of the scope, the direction and the
    first day.
  - detected_day, the first anomalous day, lies between first_day and last_day
    (test_runaway_is_one_episode_flagged_on_its_first_day in tests/dbt).
  - The scope's names are the latest its series shows; series_last_day is the last day of
    its series (the last complete day while the scope is alive).

  A table rebuilt on every run: it reads the scored scope-days (one row per scope and UTC
  day), never the job runs, so a daily build's work here does not grow with them
  (docs/performance.md).
*/

{{ config(materialized='table') }}

{%- set continue_ratio = var('anomaly_continue_pct') | float / 100 -%}
{%- set max_gap = var('anomaly_max_gap_days') | int %}

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

    -- each scorable day off its baseline, in the direction it leans: anomalous, or merely
    -- off by the continue percentage of its alarm margin
    select
        scope_key,
        usage_date,
        case when deviation_cost > 0 then 'up' else 'down' end as direction,
        is_anomaly

    from scored_days
    where is_scorable
        and abs(cast(deviation_cost as double precision)) >= {{ continue_ratio }} * alarm_margin_cost
        and deviation_cost <> 0

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

episode_spans as (

    -- the runs holding at least one anomalous day
    select
        scope_key,
        direction,
        min(usage_date) as first_day,
        min(case when is_anomaly then usage_date end) as detected_day,
        max(usage_date) as last_day

    from leaning_runs
    group by scope_key, direction, run_number
    having sum(case when is_anomaly then 1 else 0 end) > 0

),

final as (

    select
        {{ surrogate_key(['episode_spans.scope_key', 'episode_spans.direction', 'episode_spans.first_day']) }}
            as anomaly_id,
        scopes.*,
        episode_spans.direction,
        episode_spans.first_day,
        episode_spans.detected_day,
        episode_spans.last_day

    from episode_spans
    inner join scopes
        on episode_spans.scope_key = scopes.scope_key

)

select * from final
