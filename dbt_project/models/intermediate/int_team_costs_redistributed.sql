/*
  int_team_costs_redistributed: the money the shared-cost policies move. One row per UTC day
  x org x project x rule x shared-cost policy x team: negative on the source team (what it
  passes on), positive on each team that receives a part. The rows of one source cell add
  up to zero.

  - The source team's cost on a day a policy shares it out (what rules placed on it, by org,
    project and rule: a source cell) is handed on in the fractions int_shared_cost_shares
    gives for that day, org and policy (the month's proportions, chains followed; see
    int_shared_cost_edges for who receives what). It stays on the day, org and project it
    was incurred, and keeps the rule that placed it.
  - A day with no share (no policy in force, or no target qualifies) moves nothing: the cost
    stays with the source team, visibly.

  Guarantees: exact, the parts of each source cell add up to it to the last of the 18
  decimals (and of the 9 of credits) and none overshoots it: the fractions are applied with
  cumulative rounding in team-name order (running_share()). Proved by
  assert_fct_team_costs_daily_conserve_cost (the redistributed parts of every day, org and
  project add up to zero) and the unit test shared_cost_remainder_is_placed_exactly.

  Incremental: everything here is computed within one org and UTC month (the proportions
  are the month's), so a run replaces the org-months int_refresh_plan flags
  refresh_team_costs (a month with a re-allocated day, or whose policies in force changed),
  all of their days, and keeps the others (replace_partitions: delete+insert by org-day,
  which also empties a month where nothing moves any more).
*/

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        refresh_flag='refresh_team_costs',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_refresh_plan') }}

with

allocated as (

    select * from {{ ref('int_job_runs_allocated') }} as allocated
    {% if is_incremental() -%}
    where {{ in_refresh_plan('allocated') }}
    {%- endif %}

),

shares as (

    select * from {{ ref('int_shared_cost_shares') }} as shares
    {% if is_incremental() -%}
    where {{ in_refresh_plan('shares') }}
    {%- endif %}

),

sharing_teams as (

    select distinct usage_date, org_id, currency, source_team from shares

),

source_cells as (

    select
        allocated.usage_date,
        allocated.org_id,
        max(allocated.org_name) as org_name,
        allocated.project_id,
        max(allocated.project_name) as project_name,
        allocated.currency,
        allocated.rule_id,
        allocated.team as source_team,
        sum(allocated.allocated_credits) as source_credits,
        sum(allocated.allocated_cost) as source_cost

    from allocated
    inner join sharing_teams
        on allocated.usage_date = sharing_teams.usage_date
        and allocated.org_id = sharing_teams.org_id
        and allocated.currency = sharing_teams.currency
        and allocated.team = sharing_teams.source_team
    group by
        allocated.usage_date,
        allocated.org_id,
        allocated.project_id,
        allocated.currency,
        allocated.rule_id,
        allocated.team

),

running_fractions as (

    select
        source_cells.*,
        shares.shared_cost_policy,
        shares.receiving_team,
        sum(shares.fraction) over (
            partition by
                source_cells.usage_date, source_cells.org_id, source_cells.currency,
                source_cells.project_id, source_cells.rule_id, source_cells.source_team
            order by shares.receiving_team
            rows between unbounded preceding and current row
        ) as running_fraction,
        row_number() over (
            partition by
                source_cells.usage_date, source_cells.org_id, source_cells.currency,
                source_cells.project_id, source_cells.rule_id, source_cells.source_team
            order by shares.receiving_team desc
        ) = 1 as is_last_part

    from source_cells
    inner join shares
        on source_cells.usage_date = shares.usage_date
        and source_cells.org_id = shares.org_id
        and source_cells.currency = shares.currency
        and source_cells.source_team = shares.source_team

),

running_totals as (

    select
        *,
        {{ running_share('source_cost', 'running_fraction', 'is_last_part', money_type()) }}
            as running_cost,
        {{ running_share('source_credits', 'running_fraction', 'is_last_part', credits_type()) }}
            as running_credits

    from running_fractions

),

received as (

    select
        usage_date,
        org_id,
        org_name,
        project_id,
        project_name,
        rule_id,
        shared_cost_policy,
        source_team as shared_from_team,
        receiving_team as team,
        currency,
        cast(
            running_credits - coalesce(lag(running_credits) over (
                partition by usage_date, org_id, currency, project_id, rule_id, source_team
                order by receiving_team
            ), 0) as {{ credits_type() }}
        ) as redistributed_credits,
        cast(
            running_cost - coalesce(lag(running_cost) over (
                partition by usage_date, org_id, currency, project_id, rule_id, source_team
                order by receiving_team
            ), 0) as {{ money_type() }}
        ) as redistributed_cost

    from running_totals

),

given as (

    select distinct
        usage_date,
        org_id,
        org_name,
        project_id,
        project_name,
        rule_id,
        shared_cost_policy,
        source_team as shared_from_team,
        source_team as team,
        currency,
        cast(-source_credits as {{ credits_type() }}) as redistributed_credits,
        cast(-source_cost as {{ money_type() }}) as redistributed_cost

    from running_fractions

),

final as (

    select * from received
    union all
    select * from given

)

select * from final
