/*
  One row per CircleCI anomaly episode (cost_anomalies) x UTC day from
  var('correlation_lookback_days') days before its first day to its last day: the CI cost of
  the episode's scope that day (seat credits left out, as in the anomalies; 0 on a day without
  usage), from focus_circleci_costs, with the team the scope's cost belongs to most during the
  episode (the scope's own team for a team scope).
*/

with

episodes as (

    select * from {{ ref('cost_anomalies') }}

),

ci_rows as (

    select * from {{ ref('focus_circleci_costs') }} where "x_CreditType" <> 'user'

),

episode_days as (

    select
        episodes.anomaly_id,
        cast(day as date) as cost_date,
        cast(day as date) >= episodes.first_day as in_episode

    from episodes,
        unnest(generate_series(
            episodes.first_day - {{ var('correlation_lookback_days') }},
            episodes.last_day,
            interval 1 day
        )) as spine(day)

),

scoped as (

    -- the CI rows of each episode's scope over its window
    select
        episodes.anomaly_id,
        cast(ci_rows."ChargePeriodStart" as date) as cost_date,
        ci_rows."x_Team" as team,
        ci_rows."EffectiveCost" as cost

    from episodes
    inner join ci_rows
        on cast(ci_rows."ChargePeriodStart" as date)
            between episodes.first_day - {{ var('correlation_lookback_days') }} and episodes.last_day
        and (episodes.org_id is null or ci_rows."BillingAccountId" = episodes.org_id)
        and case episodes.scope_type
            when 'org' then true
            when 'project' then ci_rows."ResourceId" = episodes.project_id
            when 'workflow' then ci_rows."ResourceId" = episodes.project_id
                and ci_rows."x_WorkflowName" = episodes.workflow_name
            when 'resource_class' then ci_rows."x_ResourceClass" = episodes.resource_class
            when 'team' then ci_rows."x_Team" = episodes.team_name
            else false
        end

),

daily as (

    select anomaly_id, cost_date, sum(cost) as cost
    from scoped
    group by all

),

team_costs as (

    select
        scoped.anomaly_id,
        scoped.team,
        sum(scoped.cost) as cost

    from scoped
    inner join episodes
        on scoped.anomaly_id = episodes.anomaly_id
        and scoped.cost_date between episodes.first_day and episodes.last_day
    group by all

),

main_team as (

    select anomaly_id, team
    from team_costs
    qualify row_number() over (partition by anomaly_id order by cost desc, team) = 1

),

final as (

    select
        episode_days.anomaly_id,
        episode_days.cost_date,
        episode_days.in_episode,
        coalesce(episodes.team_name, main_team.team) as team,
        cast(coalesce(daily.cost, 0) as {{ money_type() }}) as ci_cost

    from episode_days
    inner join episodes
        on episode_days.anomaly_id = episodes.anomaly_id
    left join main_team
        on episode_days.anomaly_id = main_team.anomaly_id
    left join daily
        on episode_days.anomaly_id = daily.anomaly_id
        and episode_days.cost_date = daily.cost_date

)

select * from final
