/*
  cost_anomalies: one row per anomaly episode: a run of days on which one scope's cost is off
  its weekday-matched baseline in one direction (up: it rose, down: it fell).

  Guarantees:
  - Made of the days cost_daily_series scores (int_anomaly_days_scored, grouped into
    episodes by int_anomaly_episodes; the method: models/marts/monitoring/anomalies.md): an
    episode opens on a day the series marks is_anomaly and stays open on the following days
    that stay off the baseline in the same direction by var('anomaly_continue_pct') % of the
    alarm margin, over gaps of at most var('anomaly_max_gap_days') days. A step is one
    episode, not one per day (tests/dbt/test_monitoring_method.py, case by case);
    an archived project is one episode that ends once its baseline has absorbed it.
  - Actual and expected cost, and the impact, sum every day from first_day to last_day, in
    the scope's currency: exact actual cost, estimated expected cost. Seat (user) credits are
    left out, as in the series.
  - is_active: the episode's last day is at most var('anomaly_max_gap_days') days before the
    scope's last complete day, so it may still be going on.
  - why_flagged says which test raised the episode on its detected_day: the day outside its
    bounds, the scope gone quiet, its runs costing more each than usual, its re-runs (a
    re-run storm) or one branch's pipelines (a pipeline loop) piling up; and, for a rise that
    only the day's cost showed, that its next day (the detected day) confirmed it
    (test_monitoring_method.py: test_episode_says_why_it_was_flagged).
  - The driver says what changed (int_anomaly_drivers), by drilling down: the project, then
    its workflow, then its job (with the resource class it ran on) whose cost moved most in
    the episode's direction against its own weekday-matched baseline, over the episode's
    days (int_anomaly_component_changes; test_runaway_is_one_episode_raised_by_its_second_day).

  A table rebuilt on every run: it reads the episodes and their scope-days (one row per
  scope and UTC day), never the job runs, so a daily build's work here does not grow with
  them (docs/performance.md).
*/

with

episodes as (

    select * from {{ ref('int_anomaly_episodes') }}

),

episode_days as (

    select * from {{ ref('int_anomaly_episode_days') }}

),

drivers as (

    select * from {{ ref('int_anomaly_drivers') }}

),

episode_totals as (

    select
        anomaly_id,
        count(*) as duration_days,
        sum(case when is_anomaly and anomaly_direction = episode_direction then 1 else 0 end)
            as anomalous_days,
        max(case when is_anomaly and anomaly_direction = episode_direction then score end)
            as max_score,
        min(case when is_anomaly and anomaly_direction = episode_direction then score end)
            as min_score,
        sum(actual_cost) as actual_cost,
        sum(expected_cost) as expected_cost

    from episode_days
    group by anomaly_id

),

flagged_days as (

    -- the day that raised the episode, as it was judged
    select * from episode_days where usage_date = episode_flagged_day

),

episodes_measured as (

    select
        episodes.anomaly_id,
        episodes.scope_key,
        episodes.scope_type,
        episodes.scope_name,
        episodes.org_id,
        episodes.org_name,
        episodes.project_id,
        episodes.project_name,
        episodes.workflow_name,
        episodes.resource_class,
        episodes.team_name,
        episodes.currency,
        episodes.series_last_day,
        episodes.direction,
        episodes.first_day,
        episodes.detected_day,
        episodes.confirmed_rise_day,
        episodes.last_day,
        episode_totals.duration_days,
        episode_totals.anomalous_days,
        cast(episode_totals.actual_cost as {{ money_type() }}) as actual_cost,
        cast(episode_totals.expected_cost as {{ money_type() }}) as expected_cost,
        cast(episode_totals.actual_cost - episode_totals.expected_cost as {{ money_type() }})
            as impact_cost,
        case
            when episode_totals.expected_cost > 0
                then 100 * cast(episode_totals.actual_cost - episode_totals.expected_cost as double precision)
                    / cast(episode_totals.expected_cost as double precision)
        end as impact_pct,
        case when episodes.direction = 'up' then episode_totals.max_score
            else episode_totals.min_score end as peak_score,
        flagged_days.actual_cost as flagged_actual_cost,
        flagged_days.expected_cost as flagged_expected_cost,
        flagged_days.lower_bound_cost as flagged_lower_bound_cost,
        flagged_days.upper_bound_cost as flagged_upper_bound_cost,
        flagged_days.score as flagged_score,
        flagged_days.has_gone_quiet as flagged_gone_quiet,
        flagged_days.is_run_cost_rise as flagged_run_cost_rise,
        flagged_days.run_cost_change_pct as flagged_run_cost_change_pct,
        flagged_days.run_cost_score as flagged_run_cost_score,
        flagged_days.is_rerun_storm as flagged_rerun_storm,
        flagged_days.rerun_share as flagged_rerun_share,
        flagged_days.highest_rerun_share as flagged_highest_rerun_share,
        flagged_days.rerun_workflow_runs as flagged_rerun_workflow_runs,
        flagged_days.is_pipeline_loop as flagged_pipeline_loop,
        flagged_days.busiest_branch as flagged_busiest_branch,
        flagged_days.busiest_branch_pipelines as flagged_busiest_branch_pipelines,
        flagged_days.usual_busiest_branch_pipelines as flagged_usual_busiest_branch_pipelines,
        {{ dbt.datediff('episodes.last_day', 'episodes.series_last_day', 'day') }}
            <= {{ var('anomaly_max_gap_days') | int }} as is_active,
        drivers.driver_project_id,
        drivers.driver_project_name,
        drivers.driver_workflow_name,
        cast(drivers.driver_workflow_change_cost as {{ money_type() }}) as driver_workflow_change_cost,
        drivers.driver_job_name,
        drivers.driver_resource_class,
        cast(drivers.driver_job_change_cost as {{ money_type() }}) as driver_job_change_cost

    from episodes
    inner join episode_totals
        on episodes.anomaly_id = episode_totals.anomaly_id
    left join flagged_days
        on episodes.anomaly_id = flagged_days.anomaly_id
    left join drivers
        on episodes.anomaly_id = drivers.anomaly_id

),

severities as (

    select
        *,
        case
            when abs(impact_cost) >= {{ var('anomaly_severity_high_amount') }} then 'high'
            when abs(impact_cost) >= {{ var('anomaly_severity_medium_amount') }} then 'medium'
            else 'low'
        end as severity,
        case when driver_project_id is null and driver_job_name is null
            then 'org-level usage (no project)'
            else coalesce(driver_project_name, driver_project_id)
                || coalesce(' / ' || driver_workflow_name, '')
                || coalesce(' / ' || driver_job_name, '')
                || coalesce(' on ' || driver_resource_class, '')
        end as driver_label

    from episodes_measured

),

final as (

    select
        anomaly_id,
        scope_type,
        scope_key,
        scope_name,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        resource_class,
        team_name,
        direction,
        first_day,
        detected_day,
        last_day,
        duration_days,
        anomalous_days,
        is_active,
        severity,
        currency,
        actual_cost,
        expected_cost,
        impact_cost,
        impact_pct,
        peak_score,
        driver_project_id,
        driver_project_name,
        driver_workflow_name,
        driver_job_name,
        driver_resource_class,
        driver_workflow_change_cost,
        driver_job_change_cost,
        -- for people: rounded here, only in this sentence
        replace(scope_type, '_', ' ') || ' ' || scope_name
            || case when scope_type <> 'org' then ' (' || org_name || ')' else '' end
            || ': cost ' || direction || ' '
            || coalesce(cast(cast(round(abs(impact_pct), 0) as {{ dbt.type_int() }}) as {{ dbt.type_string() }}) || '% ', '')
            || '(' || case when impact_cost >= 0 then '+' else '-' end
            || cast(round(abs(impact_cost), 2) as {{ dbt.type_string() }}) || ' ' || currency || ') '
            || case
                when duration_days = 1 then 'on ' || cast(first_day as {{ dbt.type_string() }})
                else 'from ' || cast(first_day as {{ dbt.type_string() }})
                    || ' to ' || cast(last_day as {{ dbt.type_string() }})
                    || ' (' || cast(duration_days as {{ dbt.type_string() }}) || ' days)'
            end
            || case
                when detected_day > first_day
                    then ', flagged on ' || cast(detected_day as {{ dbt.type_string() }})
                else ''
            end
            || case when is_active then ', still going' else '' end
            || coalesce(
                '; mostly ' || driver_label || ' ('
                || case when driver_job_change_cost >= 0 then '+' else '-' end
                || cast(round(abs(driver_job_change_cost), 2) as {{ dbt.type_string() }})
                || ' ' || currency || ')',
                '')
            as description,
        -- why the episode was raised: its flagged day against the band this scope's own
        -- volatility allows (rounded here, only in this sentence)
        'flagged on ' || cast(detected_day as {{ dbt.type_string() }}) || ': '
            || case
                when confirmed_rise_day is not null
                    then 'a rise confirmed by the next day; on '
                        || cast(confirmed_rise_day as {{ dbt.type_string() }}) || ' '
                else ''
            end
            || cast(round(flagged_actual_cost, 2) as {{ dbt.type_string() }}) || ' ' || currency
            || case
                when flagged_pipeline_loop
                    then ', ' || cast(flagged_busiest_branch_pipelines as {{ dbt.type_string() }})
                        || ' pipelines on branch ' || coalesce(flagged_busiest_branch, '(none)')
                        || ' by one trigger user, where the weeks before had at most '
                        || cast(flagged_usual_busiest_branch_pipelines as {{ dbt.type_string() }})
                        || ' a day: a pipeline loop?'
                when flagged_rerun_storm
                    then ', ' || cast(cast(round(100 * flagged_rerun_share, 0) as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
                        || '% of it in re-runs of workflows ('
                        || cast(flagged_rerun_workflow_runs as {{ dbt.type_string() }})
                        || ' re-run workflow runs) where its days of the weeks before had at most '
                        || cast(cast(round(100 * coalesce(flagged_highest_rerun_share, 0), 0) as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
                        || '%: a re-run storm'
                when flagged_run_cost_rise
                    then ', its workflow runs of the last {{ var('anomaly_run_cost_days') | int }} days cost '
                        || cast(cast(round(flagged_run_cost_change_pct, 0) as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
                        || '% more each than this scope''s runs usually do, '
                        || cast(round(flagged_run_cost_score, 1) as {{ dbt.type_string() }})
                        || ' times the usual spread of its cost per run'
                when flagged_gone_quiet
                    then ' where ' || cast(round(flagged_expected_cost, 2) as {{ dbt.type_string() }})
                        || ' was expected: the scope went quiet, for longer than in the weeks before'
                else ', outside the ' || cast(round(flagged_lower_bound_cost, 2) as {{ dbt.type_string() }})
                    || ' to ' || cast(round(flagged_upper_bound_cost, 2) as {{ dbt.type_string() }})
                    || ' this scope spends on such a day (expected '
                    || cast(round(flagged_expected_cost, 2) as {{ dbt.type_string() }})
                    || '), ' || cast(round(abs(flagged_score), 1) as {{ dbt.type_string() }})
                    || ' times its usual spread'
            end
            as why_flagged

    from severities

)

select * from final
