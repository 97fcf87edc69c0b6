/*
  int_scope_days_summed: one row per UTC day x scope with usage, for every scope type the
  anomaly and budget marts watch: org, project, workflow (within its project) and resource
  class (within its org). A day appears only when the scope has usage rows that day;
  int_scope_days_filled adds the days without.

  Seat (user) credits are left out of usage_credits and usage_cost and kept apart in
  seat_cost: they are a monthly plan fee billed on the 1st, not usage, and CircleCI's own
  budgets leave them out too. Sums of fct_job_run_costs, exact and unrounded.

  A day's cost comes in lumps, workflow runs (a row without a workflow, such as a leased
  host, is a lump of its own): workflow_runs counts the runs with usage in the scope that
  day, and workflow_run_credits_squared sums the square of each run's credits in the scope,
  from which the anomaly score knows how lumpy the scope's cost is.
*/

{%- set scope_specs = [
    {'type': 'org', 'keys': [], 'where': 'true'},
    {'type': 'project', 'keys': ['project_id'], 'where': 'project_id is not null'},
    {'type': 'workflow', 'keys': ['project_id', 'workflow_name'],
        'where': 'project_id is not null and workflow_name is not null'},
    {'type': 'resource_class', 'keys': ['resource_class'], 'where': 'resource_class is not null'},
] %}

with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }}

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
        sum(cast(usage_credits as double precision) * cast(usage_credits as double precision))
            as workflow_run_credits_squared,
        sum(usage_credits) as usage_credits,
        sum(usage_cost) as usage_cost,
        sum(seat_cost) as seat_cost

    from {{ spec['type'] }}_runs
    group by {{ group_keys | join(', ') }}

),
{% endfor %}

unioned as (

    {% for spec in scope_specs -%}
    select * from {{ spec['type'] }}_days
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

final as (

    select
        {{ surrogate_key([
            'scope_type', 'org_id', 'project_id', 'workflow_name', 'resource_class'
        ]) }} as scope_key,
        usage_date,
        scope_type,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        resource_class,
        cast(null as {{ dbt.type_string() }}) as team_name,
        currency,
        workflow_runs,
        workflow_run_credits_squared,
        usage_credits,
        usage_cost,
        seat_cost

    from unioned

)

select * from final
