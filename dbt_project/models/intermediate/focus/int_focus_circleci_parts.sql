/*
  One row per usage row x team x credit type with credits: the credits of each type of a
  usage row, shared among the teams int_job_runs_allocated placed it on.

  A row placed on one team keeps its credits whole. A split rule shares each credit type by
  the teams' share_pct with cumulative rounding in team-name order at the credits' scale (9
  decimals), so the parts of each type add up exactly to the type's credits. Cost is then
  credits x price_per_credit, exact at 18 decimals, so the parts add up exactly to the
  type's cost in fct_job_run_costs (assert_focus_circleci_costs_conserve_cost).

  Ephemeral: compiled into focus_circleci_costs and never stored, so a full build does not
  write every part only to read it back once (docs/performance.md). It reads the usage rows
  of the org-days that mart rebuilds: when the mart's table exists and the run is not a
  --full-refresh (the mart's is_incremental()), the org-days int_refresh_plan flags
  refresh_allocation (their costs or teams were rebuilt); every row otherwise. Each part
  belongs to one usage row, so the parts of an org-day depend on that org-day's rows only.
*/

{{ config(materialized='ephemeral') }}

-- depends_on: {{ ref('int_refresh_plan') }}

{#- the mart's is_incremental(), which this model's own would not see: ephemeral models are
    compiled with their own node, not their reader's -#}
{%- set mart_node = graph.nodes.get('model.circleci_costs.focus_circleci_costs') if execute else none -%}
{%- set mart = adapter.get_relation(
    database=mart_node.database, schema=mart_node.schema, identifier=mart_node.alias
) if mart_node else none -%}
{%- set mart_is_incremental = mart is not none and mart.is_table and not flags.FULL_REFRESH %}

with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }} as job_run_costs
    {% if mart_is_incremental -%}
    where {{ in_refresh_plan('job_run_costs', 'refresh_allocation') }}
    {%- endif %}

),

allocations as (

    select * from {{ ref('int_job_runs_allocated') }} as allocations
    {% if mart_is_incremental -%}
    where {{ in_refresh_plan('allocations', 'refresh_allocation') }}
    {%- endif %}

),

credit_types as (

    {% for credit_type in credit_types() -%}
    select '{{ credit_type }}' as credit_type, {{ loop.index }} as credit_type_order
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

credits_by_type as (

    -- the usage row unpivoted: one row per credit type it has credits of
    select
        job_run_costs.*,
        credit_types.credit_type,
        case credit_types.credit_type
            {% for credit_type in credit_types() -%}
            when '{{ credit_type }}' then job_run_costs.{{ credit_type }}_credits
            {% endfor -%}
        end as type_credits

    from job_run_costs
    cross join credit_types

),

nonzero_types as (

    select * from credits_by_type where type_credits <> 0

),

team_shares as (

    select
        usage_row_id,
        team,
        rule_id,
        cast(
            sum(share_pct) over (
                partition by usage_row_id order by team rows between unbounded preceding and current row
            ) as decimal(12, 6)
        ) as running_share_pct,
        row_number() over (partition by usage_row_id order by team desc) = 1 as is_last_part

    from allocations

),

running_parts as (

    select
        nonzero_types.*,
        team_shares.team,
        team_shares.rule_id,
        {{ running_share('nonzero_types.type_credits', 'team_shares.running_share_pct * 0.01', 'team_shares.is_last_part', credits_type()) }}
            as running_credits

    from nonzero_types
    inner join team_shares
        on nonzero_types.usage_row_id = team_shares.usage_row_id

),

parts as (

    select
        *,
        cast(
            running_credits - coalesce(
                lag(running_credits) over (partition by usage_row_id, credit_type order by team), 0
            ) as {{ credits_type() }}
        ) as part_credits

    from running_parts

),

final as (

    select
        usage_row_id,
        usage_date,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        job_name,
        resource_class,
        executor,
        is_job_run,
        job_run_seconds,
        team,
        rule_id,
        credit_type,
        price_per_credit,
        price_key,
        currency,
        list_price_per_credit,
        list_price_currency,
        part_credits as credits,
        cast(part_credits * price_per_credit as {{ money_type() }}) as cost,
        cast(part_credits * list_price_per_credit as {{ money_type() }}) as list_price_cost

    from parts

)

select * from final
