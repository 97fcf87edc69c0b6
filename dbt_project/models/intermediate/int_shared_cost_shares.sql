/*
  int_shared_cost_shares: the redistribution graph with its chains followed. One row per UTC
  day x org x currency x shared-cost policy x receiving team: the fraction of the policy's
  source team's cost that ends up on that team. No money here: int_team_costs_redistributed
  applies these fractions to the source team's cost.

  - Chains: a target that is itself the source of a policy that day passes what it receives
    on (int_shared_cost_edges), through up to shared_cost_max_chain() policies; the
    fraction lands on the final teams directly, attributed to the first policy. A cycle, or
    a deeper chain, fails assert_shared_cost_policies_have_no_cycles.
  - A policy with no edge that day (no target qualifies) has no share: nothing moves.

  Guarantees: the shares of each policy and day add up to 1, to double precision
  (assert_shared_cost_shares_add_up_to_one), so the source team's cost is handed on whole;
  the source team is never among its own receiving teams.

  Incremental, like int_shared_cost_edges: a run replaces the org-months int_refresh_plan
  flags refresh_team_costs and keeps the others (replace_partitions: delete+insert by
  org-day).
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

edges as (

    select * from {{ ref('int_shared_cost_edges') }} as edges
    {% if is_incremental() -%}
    where {{ in_refresh_plan('edges') }}
    {%- endif %}

),

hop_0 as (

    -- every team a policy shares out, holding all of its own cost
    select distinct
        usage_date,
        org_id,
        currency,
        shared_cost_policy,
        source_team,
        source_team as team,
        cast(1 as double precision) as fraction

    from edges

),

{% for hop in range(1, shared_cost_max_chain() + 1) %}
hop_{{ hop }} as (

    -- a team with targets passes its fraction on; a final team keeps it
    select
        held.usage_date,
        held.org_id,
        held.currency,
        held.shared_cost_policy,
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

final as (

    select
        usage_date,
        org_id,
        currency,
        shared_cost_policy,
        source_team,
        team as receiving_team,
        sum(fraction) as fraction

    from hop_{{ shared_cost_max_chain() }}
    where team <> source_team
    group by usage_date, org_id, currency, shared_cost_policy, source_team, team

)

select * from final
