/*
  cost_daily_series: one row per UTC day x scope (org, project, workflow within its project,
  resource class within its org), every complete day of the scope's life: the actual cost,
  the cost expected from the same weekday of the previous weeks, the bounds outside which the
  day is anomalous, and a robust score.

  Guarantees:
  - Only complete days: through each org's last loaded day minus var('complete_day_lag_days'),
    never the current UTC day. Days without usage inside a scope's life are zeros, so a drop
    to nothing shows (int_scope_days_filled).
  - Seat (user) credits are left out: they are a plan fee billed on the 1st, not usage.
  - actual_cost is exact (the sum of fct_job_run_costs' non-seat cost, tested to the cent by
    assert_cost_daily_series_conserves_cost); expected cost, bounds and score are estimates.
  - The baseline is the median of the same weekday over var('anomaly_baseline_weeks') weeks,
    in credits priced at the day's price: a new contracted price is not an anomaly.
  - A day is anomalous exactly when the scope has at least var('anomaly_min_history_days')
    days of history and either the actual cost lies outside [lower_bound_cost,
    upper_bound_cost] (its score, its change in percent and its money impact all pass their
    thresholds), its workflow runs cost more each than usual (is_run_cost_rise), or, for a
    project, its re-runs (is_rerun_storm) or one branch's pipelines (is_pipeline_loop) piled up
    (int_anomaly_days_scored; assert_anomalous_days_lie_outside_their_bounds; the method:
    models/marts/monitoring/anomalies.md). cost_anomalies groups these days.

  A table rebuilt on every run: it reads the scored scope-days (one row per scope and UTC
  day), never the job runs, so a daily build's work here does not grow with them
  (docs/performance.md).
*/

with

scored_days as (

    select * from {{ ref('int_anomaly_days_scored') }}

),

episode_days as (

    select * from {{ ref('int_anomaly_episode_days') }}

),

day_episodes as (

    -- the episode each day belongs to; should an up and a down episode overlap on a bridged
    -- day, the one the day leans to
    select
        scope_key,
        usage_date,
        anomaly_id,
        row_number() over (
            partition by scope_key, usage_date
            order by
                case when episode_direction = anomaly_direction then 0
                    when (deviation_cost > 0) = (episode_direction = 'up') then 1
                    else 2 end,
                episode_first_day desc
        ) as preference

    from episode_days

),

final as (

    select
        {{ surrogate_key(['scored_days.scope_key', 'scored_days.usage_date']) }} as series_key,
        scored_days.usage_date,
        scored_days.scope_type,
        scored_days.scope_key,
        scored_days.scope_name,
        scored_days.org_id,
        scored_days.org_name,
        scored_days.project_id,
        scored_days.project_name,
        scored_days.workflow_name,
        scored_days.resource_class,
        scored_days.team_name,
        scored_days.currency,
        scored_days.usage_credits as actual_credits,
        scored_days.actual_cost,
        scored_days.expected_credits,
        scored_days.expected_cost,
        scored_days.lower_bound_cost,
        scored_days.upper_bound_cost,
        scored_days.deviation_cost,
        scored_days.change_pct,
        scored_days.score,
        scored_days.run_cost_change_pct,
        scored_days.is_run_cost_rise,
        scored_days.is_rerun_storm,
        scored_days.is_pipeline_loop,
        scored_days.baseline_days,
        scored_days.history_days,
        scored_days.is_scorable,
        scored_days.is_anomaly,
        scored_days.anomaly_direction,
        day_episodes.anomaly_id

    from scored_days
    left join day_episodes
        on scored_days.scope_key = day_episodes.scope_key
        and scored_days.usage_date = day_episodes.usage_date
        and day_episodes.preference = 1

)

select * from final
