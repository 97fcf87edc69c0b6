/*
  int_anomaly_component_changes: one row per anomaly episode x component of its scope (a job
  of a project's workflow on a resource class, int_anomaly_component_days): how much the
  component's cost moved over the episode's days against its own weekday-matched baseline.
  int_anomaly_drivers drills down through these to the driver of each episode.

  Guarantees:
  - The components of a scope: every job of the org (org), of the project (project), of the
    workflow (workflow), on the resource class (resource_class), or of the projects a team
    had cost from (team: whole projects; a team with a share of a project is pointed at the
    project's jobs, not at its share of them), with usage during the episode or its
    var('anomaly_baseline_weeks') baseline weeks. Org-level usage without a project (a
    leased host) is its own "project".
  - A component's expected credits on a day are the median of the same weekday over the
    baseline weeks the scope's day had (0 on a week it did not run); the change is priced at
    each day's price, in the scope's currency. directed_change_cost counts the change in the
    episode's direction (a rise for up, a fall for down). One row per episode and component
    (its group by); the changes of a hand-computed spike:
    test_monitoring_method.py (one_day_spike_is_one_episode_with_its_impact).
*/

{%- set weeks = baseline_weeks() %}

with

episodes as (

    select * from {{ ref('int_anomaly_episodes') }}

),

episode_days as (

    select * from {{ ref('int_anomaly_episode_days') }}

),

component_days as (

    select * from {{ ref('int_anomaly_component_days') }}

),

team_costs as (

    select * from {{ ref('fct_team_costs_daily') }}

),

baseline_lags as (

    select * from {{ ref('int_anomaly_baseline_lags') }}

),

team_episode_projects as (

    -- a team's components are the jobs of the projects it had cost from (org-level rows
    -- without a project included) during the episode or its baseline weeks
    select distinct
        episodes.anomaly_id,
        team_costs.project_id

    from episodes
    inner join team_costs
        on episodes.scope_type = 'team'
        and team_costs.team = episodes.team_name
        and team_costs.org_id = episodes.org_id
        and team_costs.total_credits <> 0
        and team_costs.usage_date <= episodes.last_day
        and team_costs.usage_date >= cast(
            {{ dbt.dateadd('day', -7 * weeks, 'episodes.first_day') }} as date)

),

episode_components as (

    -- every component of the episode's scope with usage during the episode or its baseline
    select distinct
        episodes.anomaly_id,
        component_days.component_key,
        component_days.project_id,
        component_days.workflow_name,
        component_days.job_name,
        component_days.resource_class

    from episodes
    inner join component_days
        on component_days.org_id = episodes.org_id
        and component_days.usage_date <= episodes.last_day
        and component_days.usage_date >= cast(
            {{ dbt.dateadd('day', -7 * weeks, 'episodes.first_day') }} as date)
        and (
            episodes.scope_type = 'org'
            or (episodes.scope_type = 'project'
                and component_days.project_id = episodes.project_id)
            or (episodes.scope_type = 'workflow'
                and component_days.project_id = episodes.project_id
                and component_days.workflow_name = episodes.workflow_name)
            or (episodes.scope_type = 'resource_class'
                and component_days.resource_class = episodes.resource_class)
            or (episodes.scope_type = 'team'
                and exists (
                    select 1 from team_episode_projects
                    where team_episode_projects.anomaly_id = episodes.anomaly_id
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

final as (

    select
        component_changes.*,
        episodes.currency,
        case when episodes.direction = 'up' then 1 else -1 end * component_changes.change_cost
            as directed_change_cost

    from component_changes
    inner join episodes
        on component_changes.anomaly_id = episodes.anomaly_id

)

select * from final
