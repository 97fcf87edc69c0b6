/*
  cost_shift_correlations: which infrastructure cost moved with each CircleCI cost episode,
  and which moved without one.

  Grain: one row per CircleCI anomaly episode (cost_anomalies) x linked cloud scope
  (correlation_kind `ci_with_cloud`), and one row per cloud shift (a run of shifted days of a
  cloud scope, int_focus_cloud_scope_days) that overlaps no linked episode
  (`cloud_without_ci`). A cloud scope is provider x sub-account x service x team x currency.
  Links: the cloud scopes of the episode's team (int_ci_episode_days.team), and those an
  explicit ci_cloud_links.csv row joins to the episode's project and workflow (or its driver's).

  Per row: the CI change (from cost_anomalies), the cloud scope's change over the same days
  against its weekday-matched baseline (money in the cloud currency, exact, and %), the
  Pearson correlation of the two daily series over the episode and
  var('correlation_lookback_days') days before it, moved_with_ci, and one readable line.

  Guarantees (each one tested):
  - cloud_actual_cost is exactly the cloud EffectiveCost of fct_focus_costs for the scope
    over the row's days (assert_cost_shift_correlations_cloud_cost_is_exact).
*/

with

episodes as (

    select * from {{ ref('cost_anomalies') }}

),

episode_days as (

    select * from {{ ref('int_ci_episode_days') }}

),

scope_days as (

    select * from {{ ref('int_focus_cloud_scope_days') }}

),

links as (

    select * from {{ ref('stg_seeds__ci_cloud_links') }} where link_id is not null

),

cloud_scopes as (

    select distinct
        provider_name, sub_account_id, sub_account_name, service_name, team, currency
    from scope_days

),

episode_teams as (

    select distinct anomaly_id, team from episode_days where team is not null

),

linked_by_team as (

    select
        episode_teams.anomaly_id,
        cloud_scopes.*,
        'same team ' || cloud_scopes.team as link_reason,
        2 as link_rank

    from episode_teams
    inner join cloud_scopes
        on episode_teams.team = cloud_scopes.team

),

linked_by_seed as (

    select
        episodes.anomaly_id,
        cloud_scopes.*,
        'link ' || links.link_id as link_reason,
        1 as link_rank

    from episodes
    inner join links
        on {{ matches_like_pattern('episodes.org_id', glob_to_like('links.org_id')) }}
        and {{ matches_like_pattern('coalesce(episodes.project_name, episodes.driver_project_name)', glob_to_like('links.project')) }}
        and {{ matches_like_pattern('coalesce(episodes.workflow_name, episodes.driver_workflow_name)', glob_to_like('links.workflow')) }}
    inner join cloud_scopes
        on {{ matches_like_pattern('cloud_scopes.provider_name', glob_to_like('links.provider')) }}
        and (
            {{ matches_like_pattern('cloud_scopes.sub_account_id', glob_to_like('links.sub_account')) }}
            or {{ matches_like_pattern('cloud_scopes.sub_account_name', glob_to_like('links.sub_account')) }}
        )
        and {{ matches_like_pattern('cloud_scopes.service_name', glob_to_like('links.service')) }}
        and {{ matches_like_pattern('cloud_scopes.team', glob_to_like('links.team')) }}

),

linked as (

    select * exclude (link_rank)
    from (select * from linked_by_seed union all select * from linked_by_team) as candidates
    qualify row_number() over (
        partition by anomaly_id, provider_name, sub_account_id, service_name, team, currency
        order by link_rank, link_reason
    ) = 1

),

paired_days as (

    select
        linked.*,
        episode_days.cost_date,
        episode_days.in_episode,
        episode_days.ci_cost,
        scope_days.cost as cloud_cost,
        scope_days.expected_cost as cloud_expected_cost

    from linked
    inner join episode_days
        on linked.anomaly_id = episode_days.anomaly_id
    inner join scope_days
        on linked.provider_name = scope_days.provider_name
        and linked.sub_account_id = scope_days.sub_account_id
        and linked.service_name = scope_days.service_name
        and linked.team = scope_days.team
        and linked.currency = scope_days.currency
        and episode_days.cost_date = scope_days.cost_date

),

linked_changes as (

    select
        anomaly_id,
        provider_name,
        sub_account_id,
        any_value(sub_account_name) as sub_account_name,
        service_name,
        team,
        currency,
        any_value(link_reason) as link_reason,
        count(*) filter (where in_episode) as cloud_days,
        sum(cloud_cost) filter (where in_episode) as cloud_actual_cost,
        sum(cloud_expected_cost) filter (where in_episode) as cloud_expected_cost,
        count(cloud_expected_cost) filter (where in_episode) = count(*) filter (where in_episode)
            as has_baseline,
        corr(cast(ci_cost as double), cast(cloud_cost as double)) as correlation

    from paired_days
    group by anomaly_id, provider_name, sub_account_id, service_name, team, currency

),

ci_with_cloud as (

    select
        'ci_with_cloud' as correlation_kind,
        episodes.anomaly_id,
        episodes.scope_type as ci_scope_type,
        episodes.scope_name as ci_scope_name,
        episodes.driver_workflow_name as ci_driver_workflow_name,
        episodes.driver_job_name as ci_driver_job_name,
        episodes.direction,
        episodes.first_day,
        episodes.last_day,
        episodes.currency as ci_currency,
        episodes.actual_cost as ci_actual_cost,
        episodes.expected_cost as ci_expected_cost,
        episodes.impact_cost as ci_change_cost,
        episodes.impact_pct as ci_change_pct,
        changes.provider_name,
        changes.sub_account_id,
        changes.sub_account_name,
        changes.service_name,
        changes.team as cloud_team,
        changes.link_reason,
        changes.currency as cloud_currency,
        changes.cloud_actual_cost,
        case when changes.has_baseline then changes.cloud_expected_cost end
            as cloud_expected_cost,
        changes.correlation

    from linked_changes as changes
    inner join episodes
        on changes.anomaly_id = episodes.anomaly_id
    -- only where the cloud bills cover every day of the episode
    where changes.cloud_days = episodes.duration_days

),

shift_days as (

    select
        *,
        case when cost >= expected_cost then 'up' else 'down' end as direction,
        cost_date - cast(row_number() over (
            partition by provider_name, sub_account_id, service_name, team, currency,
                cost >= expected_cost
            order by cost_date
        ) as integer) as island

    from scope_days
    where is_shifted

),

cloud_shifts as (

    select
        provider_name,
        sub_account_id,
        any_value(sub_account_name) as sub_account_name,
        service_name,
        team,
        currency,
        direction,
        min(cost_date) as first_day,
        max(cost_date) as last_day,
        sum(cost) as cloud_actual_cost,
        sum(expected_cost) as cloud_expected_cost

    from shift_days
    group by provider_name, sub_account_id, service_name, team, currency, direction, island
    -- a single odd day is noise, not a shift
    having count(*) >= 2

),

cloud_without_ci as (

    select
        'cloud_without_ci' as correlation_kind,
        cast(null as {{ dbt.type_string() }}) as anomaly_id,
        cast(null as {{ dbt.type_string() }}) as ci_scope_type,
        cast(null as {{ dbt.type_string() }}) as ci_scope_name,
        cast(null as {{ dbt.type_string() }}) as ci_driver_workflow_name,
        cast(null as {{ dbt.type_string() }}) as ci_driver_job_name,
        shifts.direction,
        shifts.first_day,
        shifts.last_day,
        cast(null as {{ dbt.type_string() }}) as ci_currency,
        cast(null as {{ money_type() }}) as ci_actual_cost,
        cast(null as {{ money_type() }}) as ci_expected_cost,
        cast(null as {{ money_type() }}) as ci_change_cost,
        cast(null as double) as ci_change_pct,
        shifts.provider_name,
        shifts.sub_account_id,
        shifts.sub_account_name,
        shifts.service_name,
        shifts.team as cloud_team,
        cast(null as {{ dbt.type_string() }}) as link_reason,
        shifts.currency as cloud_currency,
        shifts.cloud_actual_cost,
        shifts.cloud_expected_cost,
        cast(null as double) as correlation

    from cloud_shifts as shifts
    where not exists (
        select 1
        from ci_with_cloud as linked_rows
        where linked_rows.provider_name = shifts.provider_name
            and linked_rows.sub_account_id = shifts.sub_account_id
            and linked_rows.service_name = shifts.service_name
            and linked_rows.cloud_team = shifts.team
            and linked_rows.cloud_currency = shifts.currency
            and linked_rows.first_day <= shifts.last_day
            and linked_rows.last_day >= shifts.first_day
    )

),

unioned as (

    select * from ci_with_cloud
    union all
    select * from cloud_without_ci

),

measured as (

    select
        *,
        cast(cloud_actual_cost - cloud_expected_cost as {{ money_type() }}) as cloud_change_cost,
        case
            when cloud_expected_cost <> 0
                then round(100 * (cloud_actual_cost - cloud_expected_cost) / cloud_expected_cost, 1)
        end as cloud_change_pct

    from unioned

),

judged as (

    select
        *,
        correlation_kind = 'ci_with_cloud'
            and coalesce(
                sign(cloud_change_cost) = sign(ci_change_cost)
                and abs(cloud_change_cost) >= {{ var('cloud_shift_min_amount') }}
                and abs(cloud_change_cost) >= {{ var('cloud_shift_min_change_pct') }} * 0.01 * abs(cloud_expected_cost)
                and correlation >= {{ var('correlation_min') }},
                false
            ) as moved_with_ci,
        provider_name || ' ' || service_name
            || coalesce(' in ' || coalesce(sub_account_name, nullif(sub_account_id, '')), '')
            || ' (team ' || cloud_team || ')' as cloud_scope_name

    from measured

),

final as (

    select
        {{ surrogate_key(["correlation_kind", "anomaly_id", "provider_name", "sub_account_id", "service_name", "cloud_team", "cloud_currency", "first_day"]) }}
            as correlation_id,
        *,
        case correlation_kind
            when 'ci_with_cloud' then
                ci_scope_name || ' ' || coalesce({{ signed_pct('ci_change_pct') }}, direction)
                || ' from '
                || strftime(first_day, '%Y-%m-%d') || '; ' || cloud_scope_name || ' '
                || coalesce({{ signed_pct('cloud_change_pct') }}, 'no baseline')
                || ' the same days (correlation '
                || coalesce(cast(round(correlation, 2) as {{ dbt.type_string() }}), 'n/a') || ')'
                || case when moved_with_ci then '' else ': did not move with it' end
            else
                cloud_scope_name || ' ' || coalesce({{ signed_pct('cloud_change_pct') }}, '')
                || ' from ' || strftime(first_day, '%Y-%m-%d') || ' to '
                || strftime(last_day, '%Y-%m-%d') || ' with no CircleCI change linked to it'
        end as description

    from judged

)

select * from final
