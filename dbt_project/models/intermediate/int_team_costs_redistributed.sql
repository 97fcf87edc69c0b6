/*
  One row per usage day x org x project x rule x shared-cost policy x team for the cost that
  the policies of shared_costs.csv move: negative on the source team (what it passes on),
  positive on each team that receives a part. The rows of one source cell add up to zero.

  - A policy is in force on the days from effective_from to effective_until (inclusive); on
    those days the source team's cost (what rules placed on it, by org, project and rule) is
    shared out, and it stays on the day, org and project it was incurred.
  - The proportions are the month's and are taken within the org: `even` gives every target
    an equal part; `proportional` gives each target its part of the targets' direct cost in
    that org and UTC month (direct cost: what rules placed on the team, split parts included).
    A listed target without direct cost gets an equal part under `even` and nothing under
    `proportional`.
  - Blank target_teams: every team with direct cost in the org that month, except
    `unallocated` and the teams a policy shares out that day.
  - When no target qualifies (no team has direct cost, or none of the listed ones under
    `proportional`), nothing moves: the cost stays with the source team, visibly.
  - Chains: a listed target that is itself the source of a policy passes what it receives on,
    through up to shared_cost_max_chain() policies; the parts land on the final teams
    directly, attributed to the first policy. A cycle fails
    assert_shared_cost_policies_have_no_cycles.
  - Exactness: the proportions are computed in double precision (about 16 significant
    digits) and applied with cumulative rounding in team-name order (running_share()), so the
    parts of each source cell add up to it exactly, to the last of the 18 decimals.

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

policies as (

    select * from {{ ref('stg_seeds__shared_costs') }}
    -- rows that assert_shared_cost_policies_are_well_formed rejects are left out
    where source_team is not null
        and method in ('even', 'proportional')
        and effective_from is not null

),

listed_targets as (

    select * from {{ ref('stg_seeds__shared_cost_targets') }}

),

org_days as (

    select distinct
        usage_date,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
        org_id,
        currency

    from allocated

),

team_months as (

    -- direct cost: what rules placed on each team in each org and month
    select
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
        org_id,
        currency,
        team,
        sum(allocated_cost) as direct_cost

    from allocated
    where team <> {{ unallocated_team() }}
    group by 1, 2, 3, 4

),

policies_in_force as (

    select
        org_days.usage_date,
        org_days.usage_month,
        org_days.org_id,
        org_days.currency,
        policies.policy_key,
        policies.source_team,
        policies.method,
        policies.has_target_list

    from org_days
    inner join policies
        on org_days.usage_date >= policies.effective_from
        and (policies.effective_until is null or org_days.usage_date <= policies.effective_until)

),

targets as (

    select
        policies_in_force.usage_date,
        policies_in_force.usage_month,
        policies_in_force.org_id,
        policies_in_force.currency,
        policies_in_force.policy_key,
        policies_in_force.source_team,
        policies_in_force.method,
        listed_targets.target_team

    from policies_in_force
    inner join listed_targets
        on policies_in_force.policy_key = listed_targets.policy_key

    union all

    select
        policies_in_force.usage_date,
        policies_in_force.usage_month,
        policies_in_force.org_id,
        policies_in_force.currency,
        policies_in_force.policy_key,
        policies_in_force.source_team,
        policies_in_force.method,
        team_months.team as target_team

    from policies_in_force
    inner join team_months
        on policies_in_force.usage_month = team_months.usage_month
        and policies_in_force.org_id = team_months.org_id
        and policies_in_force.currency = team_months.currency
        and team_months.direct_cost > 0
    left join policies_in_force as shared_out
        on policies_in_force.usage_date = shared_out.usage_date
        and policies_in_force.org_id = shared_out.org_id
        and policies_in_force.currency = shared_out.currency
        and team_months.team = shared_out.source_team
    where not policies_in_force.has_target_list
        and shared_out.source_team is null

),

weighed_targets as (

    select
        targets.*,
        coalesce(team_months.direct_cost, 0) as target_direct_cost,
        count(*) over (
            partition by targets.usage_date, targets.org_id, targets.currency, targets.policy_key
        ) as target_count,
        sum(coalesce(team_months.direct_cost, 0)) over (
            partition by targets.usage_date, targets.org_id, targets.currency, targets.policy_key
        ) as targets_direct_cost

    from targets
    left join team_months
        on targets.usage_month = team_months.usage_month
        and targets.org_id = team_months.org_id
        and targets.currency = team_months.currency
        and targets.target_team = team_months.team

),

edges as (

    -- the part of the source team's cost each target receives, that day
    select
        usage_date,
        org_id,
        currency,
        source_team,
        target_team,
        case
            when method = 'even'
                then cast(1 as double precision) / target_count
            else cast(target_direct_cost as double precision)
                / cast(targets_direct_cost as double precision)
        end as weight

    from weighed_targets
    where method = 'even'
        or (target_direct_cost > 0 and targets_direct_cost > 0)

),

hop_0 as (

    -- every team a policy shares out, holding all of its own cost
    select distinct
        usage_date,
        org_id,
        currency,
        policy_key,
        source_team,
        source_team as team,
        cast(1 as double precision) as fraction

    from policies_in_force

),

{% for hop in range(1, shared_cost_max_chain() + 1) %}
hop_{{ hop }} as (

    -- a team with targets passes its fraction on; a final team keeps it
    select
        held.usage_date,
        held.org_id,
        held.currency,
        held.policy_key,
        held.source_team,
        coalesce(edges.target_team, held.team) as team,
        held.fraction * coalesce(edges.weight, 1) as fraction

    from hop_{{ hop - 1 }} as held
    left join edges
        on held.usage_date = edges.usage_date
        and held.org_id = edges.org_id
        and held.currency = edges.currency
        and held.team = edges.source_team

),
{% endfor %}

shares as (

    -- the fraction of a source team's cost that lands on each final team
    select
        usage_date,
        org_id,
        currency,
        policy_key,
        source_team,
        team as receiving_team,
        sum(fraction) as fraction

    from hop_{{ shared_cost_max_chain() }}
    where team <> source_team
    group by usage_date, org_id, currency, policy_key, source_team, team

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
        shares.policy_key,
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
        policy_key as shared_cost_policy,
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
        policy_key as shared_cost_policy,
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
