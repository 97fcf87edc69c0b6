/*
  cost_anomalies: one row per anomaly episode: a run of days on which one scope's cost is off
  its weekday-matched baseline in one direction (up: it rose, down: it fell).

  Guarantees:
  - Made of the days cost_daily_series scores (the same macros score both): an episode opens
    on a day the series marks is_anomaly and stays open on the following days that stay off
    the baseline in the same direction by var('anomaly_continue_pct') % of the alarm margin,
    over gaps of at most var('anomaly_max_gap_days') days. A step is one episode, not one per
    day; an archived project is one episode that ends once its baseline has absorbed it.
  - Actual and expected cost, and the impact, sum every day from first_day to last_day, in
    the scope's currency: exact actual cost, estimated expected cost. Seat (user) credits are
    left out, as in the series.
  - is_active: the episode's last day is at most var('anomaly_max_gap_days') days before the
    scope's last complete day, so it may still be going on.
  - The driver says what changed, by drilling down: the project, then its workflow, then its
    job (with the resource class it ran on) whose cost moved most in the episode's direction
    against its own weekday-matched baseline (the median of the same weeks), over the
    episode's days. Org-level usage without a project (a leased host) is its own "project".
    A team's components are the jobs of the projects it had cost from, whole (a team with a
    share of a project is pointed at the project's jobs, not at its share of them).
*/

with

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

daily_costs as (

    select * from {{ ref('agg_daily_costs') }}

),

team_costs as (

    select * from {{ ref('fct_team_costs_daily') }}

),

{{ anomaly_scored_days('filled') }},

{{ anomaly_episode_days() }},

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

    from filled
    group by scope_key

),

episode_totals as (

    select
        anomaly_id,
        scope_key,
        episode_direction as direction,
        episode_first_day as first_day,
        episode_detected_day as detected_day,
        episode_last_day as last_day,
        count(*) as duration_days,
        sum(case when is_anomaly and anomaly_direction = episode_direction then 1 else 0 end)
            as anomalous_days,
        max(case when is_anomaly and anomaly_direction = episode_direction then score end)
            as max_score,
        min(case when is_anomaly and anomaly_direction = episode_direction then score end)
            as min_score,
        sum(actual_cost) as actual_cost,
        sum(expected_cost) as expected_cost,
        -- the day that raised the episode, as it was judged
        max(case when usage_date = episode_detected_day then actual_cost end)
            as flagged_actual_cost,
        max(case when usage_date = episode_detected_day then expected_cost end)
            as flagged_expected_cost,
        max(case when usage_date = episode_detected_day then lower_bound_cost end)
            as flagged_lower_bound_cost,
        max(case when usage_date = episode_detected_day then upper_bound_cost end)
            as flagged_upper_bound_cost,
        max(case when usage_date = episode_detected_day then score end) as flagged_score,
        max(case when usage_date = episode_detected_day and has_gone_quiet then 1 else 0 end)
            as flagged_gone_quiet

    from episode_days
    group by
        anomaly_id, scope_key, episode_direction, episode_first_day, episode_detected_day,
        episode_last_day

),

-- the driver ------------------------------------------------------------------------------

component_days as (

    -- job-level daily usage, seats aside: the components a scope's cost is made of
    select
        {{ surrogate_key(['org_id', 'project_id', 'workflow_name', 'job_name', 'resource_class']) }}
            as component_key,
        usage_date,
        org_id,
        project_id,
        max(project_name) as project_name,
        workflow_name,
        job_name,
        resource_class,
        sum(total_credits - user_credits) as usage_credits

    from daily_costs
    group by usage_date, org_id, project_id, workflow_name, job_name, resource_class
    having sum(total_credits - user_credits) <> 0

),

episode_scopes as (

    select
        episode_totals.anomaly_id,
        episode_totals.first_day,
        episode_totals.last_day,
        scopes.scope_type,
        scopes.org_id,
        scopes.project_id,
        scopes.workflow_name,
        scopes.resource_class,
        scopes.team_name

    from episode_totals
    inner join scopes
        on episode_totals.scope_key = scopes.scope_key

),

team_episode_projects as (

    -- a team's components are the jobs of the projects it had cost from (org-level rows
    -- without a project included) during the episode or its baseline weeks
    select distinct
        episode_scopes.anomaly_id,
        team_costs.project_id

    from episode_scopes
    inner join team_costs
        on episode_scopes.scope_type = 'team'
        and team_costs.team = episode_scopes.team_name
        and team_costs.org_id = episode_scopes.org_id
        and team_costs.total_credits <> 0
        and team_costs.usage_date <= episode_scopes.last_day
        and team_costs.usage_date >= cast(
            {{ dbt.dateadd('day', -7 * var('anomaly_baseline_weeks') | int, 'episode_scopes.first_day') }}
            as date)

),

episode_components as (

    -- every component of the episode's scope with usage during the episode or its baseline
    select distinct
        episode_scopes.anomaly_id,
        component_days.component_key,
        component_days.project_id,
        component_days.workflow_name,
        component_days.job_name,
        component_days.resource_class

    from episode_scopes
    inner join component_days
        on component_days.org_id = episode_scopes.org_id
        and component_days.usage_date <= episode_scopes.last_day
        and component_days.usage_date >= cast(
            {{ dbt.dateadd('day', -7 * var('anomaly_baseline_weeks') | int, 'episode_scopes.first_day') }}
            as date)
        and (
            episode_scopes.scope_type = 'org'
            or (episode_scopes.scope_type = 'project'
                and component_days.project_id = episode_scopes.project_id)
            or (episode_scopes.scope_type = 'workflow'
                and component_days.project_id = episode_scopes.project_id
                and component_days.workflow_name = episode_scopes.workflow_name)
            or (episode_scopes.scope_type = 'resource_class'
                and component_days.resource_class = episode_scopes.resource_class)
            or (episode_scopes.scope_type = 'team'
                and exists (
                    select 1 from team_episode_projects
                    where team_episode_projects.anomaly_id = episode_scopes.anomaly_id
                        and team_episode_projects.project_id
                            is not distinct from component_days.project_id
                ))
        )

),

component_episode_days as (

    select
        episode_components.*,
        episode_days.usage_date,
        episode_days.price_per_credit,
        episode_days.baseline_days

    from episode_components
    inner join episode_days
        on episode_components.anomaly_id = episode_days.anomaly_id

),

component_baselines as (

    -- each component's median on the same weekday of the scope's baseline weeks (0 when it
    -- did not run)
    select
        component_episode_days.anomaly_id,
        component_episode_days.component_key,
        component_episode_days.usage_date,
        {{ median('coalesce(past_day.usage_credits, 0)') }} as expected_credits

    from component_episode_days
    inner join baseline_lags
        on baseline_lags.weeks_back <= component_episode_days.baseline_days
    left join component_days as past_day
        on past_day.component_key = component_episode_days.component_key
        and past_day.usage_date = cast(
            {{ dbt.dateadd('day', '-7 * baseline_lags.weeks_back', 'component_episode_days.usage_date') }}
            as date)
    group by
        component_episode_days.anomaly_id,
        component_episode_days.component_key,
        component_episode_days.usage_date

),

component_changes as (

    select
        component_episode_days.anomaly_id,
        component_episode_days.component_key,
        component_episode_days.project_id,
        component_episode_days.workflow_name,
        component_episode_days.job_name,
        component_episode_days.resource_class,
        sum(
            (coalesce(actual_day.usage_credits, 0) - component_baselines.expected_credits)
            * component_episode_days.price_per_credit
        ) as change_cost

    from component_episode_days
    inner join component_baselines
        on component_episode_days.anomaly_id = component_baselines.anomaly_id
        and component_episode_days.component_key = component_baselines.component_key
        and component_episode_days.usage_date = component_baselines.usage_date
    left join component_days as actual_day
        on actual_day.component_key = component_episode_days.component_key
        and actual_day.usage_date = component_episode_days.usage_date
    group by
        component_episode_days.anomaly_id,
        component_episode_days.component_key,
        component_episode_days.project_id,
        component_episode_days.workflow_name,
        component_episode_days.job_name,
        component_episode_days.resource_class

),

component_changes_directed as (

    -- the change that counts in the episode's direction: a rise for up, a fall for down
    select
        component_changes.*,
        case when episode_totals.direction = 'up' then 1 else -1 end * component_changes.change_cost
            as directed_change_cost

    from component_changes
    inner join episode_totals
        on component_changes.anomaly_id = episode_totals.anomaly_id

),

project_changes as (

    select
        anomaly_id,
        project_id,
        sum(directed_change_cost) as directed_change_cost,
        row_number() over (
            partition by anomaly_id
            order by sum(directed_change_cost) desc, project_id
        ) as project_rank

    from component_changes_directed
    group by anomaly_id, project_id

),

workflow_changes as (

    select
        component_changes_directed.anomaly_id,
        component_changes_directed.project_id,
        component_changes_directed.workflow_name,
        sum(component_changes_directed.change_cost) as change_cost,
        row_number() over (
            partition by component_changes_directed.anomaly_id
            order by sum(component_changes_directed.directed_change_cost) desc,
                component_changes_directed.workflow_name
        ) as workflow_rank

    from component_changes_directed
    inner join project_changes
        on component_changes_directed.anomaly_id = project_changes.anomaly_id
        and component_changes_directed.project_id is not distinct from project_changes.project_id
        and project_changes.project_rank = 1
    group by
        component_changes_directed.anomaly_id,
        component_changes_directed.project_id,
        component_changes_directed.workflow_name

),

job_changes as (

    select
        component_changes_directed.anomaly_id,
        component_changes_directed.project_id,
        component_changes_directed.workflow_name,
        component_changes_directed.job_name,
        component_changes_directed.resource_class,
        component_changes_directed.change_cost,
        row_number() over (
            partition by component_changes_directed.anomaly_id
            order by component_changes_directed.directed_change_cost desc,
                component_changes_directed.job_name,
                component_changes_directed.resource_class
        ) as job_rank

    from component_changes_directed
    inner join workflow_changes
        on component_changes_directed.anomaly_id = workflow_changes.anomaly_id
        and component_changes_directed.project_id is not distinct from workflow_changes.project_id
        and component_changes_directed.workflow_name is not distinct from workflow_changes.workflow_name
        and workflow_changes.workflow_rank = 1

),

project_names as (

    select
        project_id,
        max(project_name) as project_name

    from component_days
    where project_id is not null
    group by project_id

),

drivers as (

    select
        job_changes.anomaly_id,
        job_changes.project_id as driver_project_id,
        project_names.project_name as driver_project_name,
        job_changes.workflow_name as driver_workflow_name,
        workflow_changes.change_cost as driver_workflow_change_cost,
        job_changes.job_name as driver_job_name,
        job_changes.resource_class as driver_resource_class,
        job_changes.change_cost as driver_job_change_cost

    from job_changes
    inner join workflow_changes
        on job_changes.anomaly_id = workflow_changes.anomaly_id
        and workflow_changes.workflow_rank = 1
    left join project_names
        on job_changes.project_id = project_names.project_id
    where job_changes.job_rank = 1

),

-- -----------------------------------------------------------------------------------------

episodes as (

    select
        episode_totals.anomaly_id,
        scopes.*,
        episode_totals.direction,
        episode_totals.first_day,
        episode_totals.detected_day,
        episode_totals.last_day,
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
        case when episode_totals.direction = 'up' then episode_totals.max_score
            else episode_totals.min_score end as peak_score,
        episode_totals.flagged_actual_cost,
        episode_totals.flagged_expected_cost,
        episode_totals.flagged_lower_bound_cost,
        episode_totals.flagged_upper_bound_cost,
        episode_totals.flagged_score,
        episode_totals.flagged_gone_quiet,
        {{ dbt.datediff('episode_totals.last_day', 'scopes.series_last_day', 'day') }}
            <= {{ var('anomaly_max_gap_days') | int }} as is_active,
        drivers.driver_project_id,
        drivers.driver_project_name,
        drivers.driver_workflow_name,
        cast(drivers.driver_workflow_change_cost as {{ money_type() }}) as driver_workflow_change_cost,
        drivers.driver_job_name,
        drivers.driver_resource_class,
        cast(drivers.driver_job_change_cost as {{ money_type() }}) as driver_job_change_cost

    from episode_totals
    inner join scopes
        on episode_totals.scope_key = scopes.scope_key
    left join drivers
        on episode_totals.anomaly_id = drivers.anomaly_id

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

    from episodes

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
            || cast(round(flagged_actual_cost, 2) as {{ dbt.type_string() }}) || ' ' || currency
            || case
                when flagged_gone_quiet = 1
                    then ' where ' || cast(round(flagged_expected_cost, 2) as {{ dbt.type_string() }})
                        || ' was expected: the scope went quiet, which it had not in the weeks before'
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
