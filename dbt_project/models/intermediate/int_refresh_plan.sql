/*
  int_refresh_plan: one row per org and UTC day with usage, saying what this run rebuilds
  there and why. The incremental models read it (see macros/incremental_refresh.sql), so a
  daily run rebuilds a few days whatever the length of the history.

  Each org-day carries the fingerprint of everything its figures depend on
  (int_refresh_inputs). int_refresh_state keeps the fingerprints the marts were last built
  with, written only once every model and test before it has passed. An org-day is rebuilt
  - for the costs (refresh_costs: fct_job_run_costs, agg_daily_costs, and all below) when it
    is new (a new day, or history loaded late, as a resumed backfill does), lies within
    var('incremental_lookback_days') of the newest day built (CircleCI still updates the
    last days), or its raw rows, price or pricing vars changed;
  - for the allocation (refresh_allocation: int_job_runs_allocated) for the same reasons,
    or when the team rules in force that day changed;
  - for the team costs (refresh_team_costs: int_shared_cost_edges, int_shared_cost_shares,
    int_team_costs_redistributed, fct_team_costs_daily, int_scope_days_summed) when it is
    rebuilt for the allocation or the shared-cost policies in force that day changed, and
    then, if a policy is in force in its org and month, every org-day of that month: shared
    costs are apportioned by the month.
  Everything is rebuilt on the first run, on --full-refresh, and when int_refresh_state is
  missing. Not detected (as before): a raw row changed outside the lookback in a way that
  keeps its org-day's row count and credits (assert_fct_job_run_costs_has_every_raw_row_once
  with full_history_tests finds it; --full-refresh repairs it), and changed dbt vars other
  than the pricing ones (the monitoring marts are rebuilt on every run anyway).
*/

{{ config(materialized='table') }}

{%- set state_node = graph.nodes.get('model.circleci_costs.int_refresh_state') if execute else none -%}
{%- set state = adapter.get_relation(
    database=state_node.database, schema=state_node.schema, identifier=state_node.alias
) if state_node else none -%}
{%- set rebuild_all = flags.FULL_REFRESH or state is none -%}

with

current_state as (

    select * from {{ ref('int_refresh_inputs') }}

),

{% if rebuild_all %}

compared as (

    select
        current_state.*,
        true as is_new,
        false as is_in_lookback,
        false as usage_changed,
        false as price_changed,
        false as pricing_vars_changed,
        false as team_rules_changed,
        false as shared_costs_changed

    from current_state

),

{% else %}

lookback as (

    select
        cast({{ dbt.dateadd('day', -1 * var('incremental_lookback_days') | int, 'max(usage_date)') }} as date)
            as first_reread_date

    from {{ state }}

),

compared as (

    select
        current_state.*,
        built.org_id is null as is_new,
        coalesce(current_state.usage_date >= lookback.first_reread_date, false) as is_in_lookback,
        built.org_id is not null and (
            current_state.usage_rows <> built.usage_rows
            or current_state.total_credits is distinct from built.total_credits
        ) as usage_changed,
        built.org_id is not null and (
            current_state.price_key is distinct from built.price_key
            or current_state.price_per_credit is distinct from built.price_per_credit
            or current_state.currency is distinct from built.currency
            or current_state.price_note is distinct from built.price_note
        ) as price_changed,
        built.org_id is not null
            and current_state.pricing_vars is distinct from built.pricing_vars as pricing_vars_changed,
        built.org_id is not null
            and current_state.team_rules_fingerprint is distinct from built.team_rules_fingerprint
            as team_rules_changed,
        built.org_id is not null
            and current_state.shared_costs_fingerprint is distinct from built.shared_costs_fingerprint
            as shared_costs_changed

    from current_state
    cross join lookback
    left join {{ state }} as built
        on current_state.org_id = built.org_id
        and current_state.usage_date = built.usage_date

),

{% endif %}

flagged as (

    select
        *,
        is_new or is_in_lookback or usage_changed or price_changed or pricing_vars_changed
            as refresh_costs,
        is_new or is_in_lookback or usage_changed or price_changed or pricing_vars_changed
            or team_rules_changed as refresh_allocation

    from compared

),

with_months as (

    select
        *,
        refresh_allocation or shared_costs_changed or (
            -- a month's policies apportion by the whole month's direct costs
            max(case when shared_costs_fingerprint is not null then 1 else 0 end) over (
                partition by org_id, usage_month
            ) = 1
            and max(case when refresh_allocation or shared_costs_changed then 1 else 0 end) over (
                partition by org_id, usage_month
            ) = 1
        ) as refresh_team_costs

    from flagged

),

final as (

    select
        *,
        case
            when is_new then '{{ "full rebuild" if rebuild_all else "new" }}'
            when usage_changed then 'raw rows changed'
            when price_changed then 'price changed'
            when pricing_vars_changed then 'pricing vars changed'
            when is_in_lookback then 'lookback'
            when team_rules_changed then 'team rules changed'
            when shared_costs_changed then 'shared-cost policies changed'
            when refresh_team_costs then 'same org and month as a rebuilt day'
        end as refresh_reason

    from with_months

)

select * from final
