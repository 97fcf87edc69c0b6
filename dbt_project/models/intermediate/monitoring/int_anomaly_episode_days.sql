/*
  int_anomaly_episode_days: one row per anomaly episode and day from its first day to its
  last (bridged days included), with the day as int_anomaly_days_scored scored it.
  cost_daily_series marks each day with its episode, cost_anomalies sums the days of each
  episode and int_anomaly_component_changes prices the drill-down at each day's price.

  Guarantees:
  - Every day of every episode of int_anomaly_episodes, once (unique_combination_of_columns
    on anomaly_id and usage_date), so an episode's actual and expected cost are the sums of
    its days in cost_daily_series (test_runaway_is_one_episode_raised_by_its_second_day).

  A table rebuilt on every run: it reads the scored scope-days (one row per scope and UTC
  day), never the job runs, so a daily build's work here does not grow with them
  (docs/performance.md).
*/

{{ config(materialized='table') }}

with

episodes as (

    select * from {{ ref('int_anomaly_episodes') }}

),

scored_days as (

    select * from {{ ref('int_anomaly_days_scored') }}

),

final as (

    select
        episodes.anomaly_id,
        episodes.direction as episode_direction,
        episodes.first_day as episode_first_day,
        episodes.detected_day as episode_detected_day,
        episodes.confirmed_rise_day as episode_confirmed_rise_day,
        -- the day whose test raised the episode: the rise a second day confirmed, or the
        -- detected day itself
        coalesce(episodes.confirmed_rise_day, episodes.detected_day) as episode_flagged_day,
        episodes.last_day as episode_last_day,
        scored_days.*

    from episodes
    inner join scored_days
        on episodes.scope_key = scored_days.scope_key
        and scored_days.usage_date >= episodes.first_day
        and scored_days.usage_date <= episodes.last_day

)

select * from final
