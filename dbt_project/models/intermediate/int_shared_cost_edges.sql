/*
  int_shared_cost_edges: the redistribution graph, one policy deep. One row per UTC day x
  org x currency x source team x target team: the part (a fraction, 0 to 1) of the source
  team's cost that a policy of shared_costs.csv in force that day hands to the target
  directly. No money here: int_shared_cost_shares follows the edges through chains,
  int_team_costs_redistributed moves the cost.

  - A policy is in force on the days from effective_from to effective_until (inclusive),
    for every org with usage that day.
  - The parts are the month's and are taken within the org: `even` gives every target an
    equal part; `proportional` gives each target its part of the targets' direct cost in
    that org and UTC month (direct cost: what rules placed on the team, split parts
    included). A listed target without direct cost gets an equal part under `even` and no
    edge under `proportional`.
  - Blank target_teams: every team with direct cost in the org that month, except
    `unallocated` and the teams a policy shares out that day.
  - When no target qualifies (no team has direct cost, or none of the listed ones under
    `proportional`), the policy has no edge that day: nothing moves.

  Guarantees: the weights of each policy and day add up to 1 (in double precision), or the
  policy has no edge that day: assert_shared_cost_shares_add_up_to_one checks the shares
  they lead to; each rule above has a unit test in _intermediate__teams.yml.

  Incremental, like int_team_costs_redistributed: the parts are the month's, so a run
  replaces the org-months int_refresh_plan flags refresh_team_costs and keeps the others
  (replace_partitions: delete+insert by org-day).
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

final as (

    select
        usage_date,
        org_id,
        currency,
        policy_key as shared_cost_policy,
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

)

select * from final
