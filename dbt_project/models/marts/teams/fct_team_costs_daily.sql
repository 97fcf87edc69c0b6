/*
  fct_team_costs_daily: one row per UTC day x team x org x project x the rule and the
  shared-cost policy that put the cost there.

  Guarantees (each one tested):
  - every usage row of fct_job_run_costs is placed once: on the team of the winning rule of
    team_rules.csv, shared by a split rule's teams, or on `unallocated`
    (assert_job_run_allocations_add_up);
  - shared-cost policies move cost between teams without creating or losing any: for every
    day, org and project, total_cost and total_credits add up exactly to fct_job_run_costs,
    direct + split parts alone add up to it too, and the redistributed parts add up to zero
    (assert_fct_team_costs_daily_conserve_cost);
  - rules and policies apply only inside their dates, so editing the rules for a
    re-organisation from a date on leaves the days before it as they were;
  - money stays exact, unrounded DECIMAL(38, 18) in `currency`; round only when showing a sum.

  Incremental: a row sums one org-day of int_job_runs_allocated and
  int_team_costs_redistributed, so a run replaces the org-days int_refresh_plan flags
  refresh_team_costs (whole org-months, as the redistribution is rebuilt by the month) and
  keeps the others (replace_partitions: delete+insert by org-day).
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

redistributed as (

    select * from {{ ref('int_team_costs_redistributed') }} as redistributed
    {% if is_incremental() -%}
    where {{ in_refresh_plan('redistributed') }}
    {%- endif %}

),

placed_by_rules as (

    select
        usage_date,
        team,
        org_id,
        max(org_name) as org_name,
        project_id,
        max(project_name) as project_name,
        rule_id,
        cast(null as {{ dbt.type_string() }}) as shared_cost_policy,
        cast(null as {{ dbt.type_string() }}) as shared_from_team,
        case
            when rule_id is null then 'no rule matched'
            when max(case when is_split then 1 else 0 end) = 1 then 'split rule'
            else 'rule'
        end as allocation,
        currency,
        sum(case when is_split then 0 else allocated_credits end) as direct_credits,
        sum(case when is_split then allocated_credits else 0 end) as split_credits,
        sum(cast(0 as {{ credits_type() }})) as redistributed_credits,
        sum(case when is_split then 0 else allocated_cost end) as direct_cost,
        sum(case when is_split then allocated_cost else 0 end) as split_cost,
        sum(cast(0 as {{ money_type() }})) as redistributed_cost

    from allocated
    group by usage_date, team, org_id, project_id, rule_id, currency

),

moved_by_policies as (

    select
        usage_date,
        team,
        org_id,
        max(org_name) as org_name,
        project_id,
        max(project_name) as project_name,
        rule_id,
        shared_cost_policy,
        shared_from_team,
        case
            when team = shared_from_team then 'shared cost given'
            else 'shared cost received'
        end as allocation,
        currency,
        sum(cast(0 as {{ credits_type() }})) as direct_credits,
        sum(cast(0 as {{ credits_type() }})) as split_credits,
        sum(redistributed_credits) as redistributed_credits,
        sum(cast(0 as {{ money_type() }})) as direct_cost,
        sum(cast(0 as {{ money_type() }})) as split_cost,
        sum(redistributed_cost) as redistributed_cost

    from redistributed
    group by
        usage_date, team, org_id, project_id, rule_id, shared_cost_policy, shared_from_team, currency

),

unioned as (

    select * from placed_by_rules
    union all
    select * from moved_by_policies

),

final as (

    select
        {{ surrogate_key(['usage_date', 'team', 'org_id', 'project_id', 'rule_id', 'shared_cost_policy']) }}
            as team_cost_key,
        usage_date,
        team,
        org_id,
        org_name,
        project_id,
        project_name,
        rule_id,
        shared_cost_policy,
        shared_from_team,
        allocation,
        currency,
        cast(direct_credits as {{ credits_type() }}) as direct_credits,
        cast(split_credits as {{ credits_type() }}) as split_credits,
        cast(redistributed_credits as {{ credits_type() }}) as redistributed_credits,
        cast(direct_credits + split_credits + redistributed_credits as {{ credits_type() }})
            as total_credits,
        cast(direct_cost as {{ money_type() }}) as direct_cost,
        cast(split_cost as {{ money_type() }}) as split_cost,
        cast(redistributed_cost as {{ money_type() }}) as redistributed_cost,
        cast(direct_cost + split_cost + redistributed_cost as {{ money_type() }}) as total_cost

    from unioned

)

select * from final
