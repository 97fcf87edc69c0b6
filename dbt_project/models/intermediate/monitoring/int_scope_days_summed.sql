/*
  int_scope_days_summed: one row per UTC day x scope with usage, for every scope type the
  anomaly and budget marts watch: org, project, workflow (within its project), resource class
  (within its org) and team (within an org: a team working in two orgs has a scope in each,
  priced at its org's price; a team budget covers all of them). A day appears only when the
  scope has usage rows that day; int_scope_days_filled adds the days without.

  Seat (user) credits are left out of usage_credits and usage_cost and kept apart in
  seat_cost, by one rule wherever a row carries them (docs: seat_credits_rule). Sums of
  fct_job_run_costs, exact and unrounded.

  A day's cost comes in lumps, workflow runs (a row without a workflow, such as a leased
  host, is a lump of its own): workflow_runs counts the runs with usage in the scope that
  day, and workflow_run_credits_squared sums the square of each run's credits in the scope,
  from which the anomaly score knows how lumpy the scope's cost is. It is summed in exact
  decimals and only then made a double, so it does not depend on the order the rows are
  added in: a day rebuilt alone equals the same day rebuilt with all the others.

  Teams come from fct_team_costs_daily (day x team x org x project, after split rules and
  shared-cost policies). It does not tell seats apart: a team's cost on a project (or on the
  rows without a project) is split into seats and usage in the proportions of that project's
  rows (or the org's rows without a project) that day, so the teams' seats and usage add up
  exactly to their org's (assert_team_series_add_up_to_their_orgs). A team's runs are its
  projects' runs, each weighted by the team's share of the project's credits that day.

  A table (the anomaly and budget marts and the tests read it, never the 2 million rows
  again), incremental: every row sums one org-day of fct_job_run_costs and
  fct_team_costs_daily, so a run replaces the org-days int_refresh_plan flags
  refresh_team_costs (which holds every org-day whose costs or teams were rebuilt) and keeps
  the others (replace_partitions: delete+insert by org-day).
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

{%- set scope_specs = [
    {'type': 'org', 'keys': [], 'where': 'true'},
    {'type': 'project', 'keys': ['project_id'], 'where': 'project_id is not null'},
    {'type': 'workflow', 'keys': ['project_id', 'workflow_name'],
        'where': 'project_id is not null and workflow_name is not null'},
    {'type': 'resource_class', 'keys': ['resource_class'], 'where': 'resource_class is not null'},
] %}

with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }} as job_run_costs
    {% if is_incremental() -%}
    where {{ in_refresh_plan('job_run_costs') }}
    {%- endif %}

),

team_costs as (

    select * from {{ ref('fct_team_costs_daily') }} as team_costs
    {% if is_incremental() -%}
    where {{ in_refresh_plan('team_costs') }}
    {%- endif %}

),

run_parts as (

    -- each workflow run's usage, by project, workflow and resource class
    select
        usage_date,
        org_id,
        project_id,
        workflow_name,
        resource_class,
        currency,
        coalesce(workflow_id, usage_row_id) as run_id,
        max(org_name) as org_name,
        max(project_name) as project_name,
        sum(total_credits - user_credits) as usage_credits,
        cast(sum(total_cost - user_cost) as {{ money_type() }}) as usage_cost,
        sum(user_cost) as seat_cost

    from job_run_costs
    group by usage_date, org_id, project_id, workflow_name, resource_class, currency, run_id

),

{% for spec in scope_specs %}
{%- set group_keys = ['usage_date', 'org_id'] + spec['keys'] + ['currency'] %}
{{ spec['type'] }}_runs as (

    select
        {{ (group_keys + ['run_id']) | join(', ') }},
        max(org_name) as org_name,
        max(project_name) as project_name,
        sum(usage_credits) as usage_credits,
        sum(usage_cost) as usage_cost,
        sum(seat_cost) as seat_cost

    from run_parts
    where {{ spec['where'] }}
    group by {{ (group_keys + ['run_id']) | join(', ') }}

),

{{ spec['type'] }}_days as (

    select
        usage_date,
        '{{ spec['type'] }}' as scope_type,
        org_id,
        max(org_name) as org_name,
        {{ 'project_id' if 'project_id' in spec['keys'] else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            as project_id,
        {{ 'max(project_name)' if 'project_id' in spec['keys'] else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            as project_name,
        {{ 'workflow_name' if 'workflow_name' in spec['keys'] else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            as workflow_name,
        {{ 'resource_class' if 'resource_class' in spec['keys'] else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            as resource_class,
        currency,
        sum(case when usage_credits <> 0 then 1 else 0 end) as workflow_runs,
        {{ sum_of_squares('usage_credits') }} as workflow_run_credits_squared,
        sum(usage_credits) as usage_credits,
        sum(usage_cost) as usage_cost,
        sum(seat_cost) as seat_cost

    from {{ spec['type'] }}_runs
    group by {{ group_keys | join(', ') }}

),
{% endfor %}

org_level_runs as (

    -- rows without a project, per org and day: their runs
    select
        usage_date,
        org_id,
        sum(case when usage_credits <> 0 then 1 else 0 end) as workflow_runs,
        {{ sum_of_squares('usage_credits') }} as workflow_run_credits_squared,
        sum(usage_credits) as usage_credits

    from (
        select
            usage_date,
            org_id,
            coalesce(workflow_id, usage_row_id) as run_id,
            sum(total_credits - user_credits) as usage_credits
        from job_run_costs
        where project_id is null
        group by usage_date, org_id, run_id
    ) as org_level_run_parts
    group by usage_date, org_id

),

project_seat_parts as (

    -- per org, day and project (NULL: the rows without a project), the seat part of the
    -- credits: a team's cost there splits into seats and usage in these proportions (one
    -- price per org and day, so credits and cost split alike)
    select
        usage_date,
        org_id,
        project_id,
        sum(total_credits) as total_credits,
        sum(user_credits) as seat_credits

    from job_run_costs
    group by usage_date, org_id, project_id

),

team_parts as (

    -- each team's cost per org, project and day, seats split off rows without a project
    select
        team_costs.usage_date,
        team_costs.team as team_name,
        team_costs.org_id,
        max(team_costs.org_name) as org_name,
        team_costs.project_id,
        team_costs.currency,
        sum(team_costs.total_credits) as total_credits,
        sum(team_costs.total_cost) as total_cost

    from team_costs
    group by
        team_costs.usage_date, team_costs.team, team_costs.org_id, team_costs.project_id,
        team_costs.currency

),

team_parts_without_seats as (

    select
        team_parts.*,
        case
            when coalesce(project_seat_parts.total_credits, 0) = 0 then 0
            else cast(project_seat_parts.seat_credits as double precision)
                / cast(project_seat_parts.total_credits as double precision)
        end as seat_share,
        -- the team's share of the credits of the project (or of the org-level rows) that day
        case
            when coalesce(project_days.usage_credits, org_level_runs.usage_credits, 0) = 0
                then 0
            else cast(team_parts.total_credits as double precision)
                / cast(project_seat_parts.total_credits as double precision)
        end as credit_share,
        coalesce(project_days.workflow_runs, org_level_runs.workflow_runs, 0) as project_runs,
        coalesce(project_days.workflow_run_credits_squared, org_level_runs.workflow_run_credits_squared, 0)
            as project_run_credits_squared

    from team_parts
    left join project_seat_parts
        on team_parts.usage_date = project_seat_parts.usage_date
        and team_parts.org_id = project_seat_parts.org_id
        and team_parts.project_id is not distinct from project_seat_parts.project_id
    left join project_days
        on team_parts.usage_date = project_days.usage_date
        and team_parts.org_id = project_days.org_id
        and team_parts.project_id = project_days.project_id
    left join org_level_runs
        on team_parts.project_id is null
        and team_parts.usage_date = org_level_runs.usage_date
        and team_parts.org_id = org_level_runs.org_id

),

team_days as (

    select
        usage_date,
        'team' as scope_type,
        org_id,
        max(org_name) as org_name,
        cast(null as {{ dbt.type_string() }}) as project_id,
        cast(null as {{ dbt.type_string() }}) as project_name,
        cast(null as {{ dbt.type_string() }}) as workflow_name,
        cast(null as {{ dbt.type_string() }}) as resource_class,
        team_name,
        currency,
        sum(case when credit_share > 0 then project_runs else 0 end) as workflow_runs,
        cast(
            sum(cast(credit_share * credit_share * project_run_credits_squared as decimal(38, 18)))
            as double precision
        ) as workflow_run_credits_squared,
        sum(cast(total_credits * (1 - seat_share) as {{ credits_type() }})) as usage_credits,
        sum(cast(total_cost - cast(total_cost * seat_share as {{ money_type() }}) as {{ money_type() }}))
            as usage_cost,
        sum(cast(total_cost * seat_share as {{ money_type() }})) as seat_cost

    from team_parts_without_seats
    group by usage_date, org_id, team_name, currency

),

unioned as (

    {% for spec in scope_specs -%}
    select
        usage_date, scope_type, org_id, org_name, project_id, project_name, workflow_name,
        resource_class, cast(null as {{ dbt.type_string() }}) as team_name, currency,
        workflow_runs, workflow_run_credits_squared, usage_credits, usage_cost, seat_cost
    from {{ spec['type'] }}_days
    union all
    {% endfor -%}
    select
        usage_date, scope_type, org_id, org_name, project_id, project_name, workflow_name,
        resource_class, team_name, currency,
        workflow_runs, workflow_run_credits_squared, usage_credits, usage_cost, seat_cost
    from team_days

),

final as (

    select
        {{ surrogate_key([
            'scope_type', 'org_id', 'project_id', 'workflow_name', 'resource_class', 'team_name'
        ]) }} as scope_key,
        usage_date,
        scope_type,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        resource_class,
        team_name,
        currency,
        workflow_runs,
        workflow_run_credits_squared,
        usage_credits,
        usage_cost,
        seat_cost

    from unioned

)

select * from final
