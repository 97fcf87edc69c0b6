-- No usage row is matched by two rules of the same priority on a day both are in force:
-- which team pays must never be a matter of chance. Names both rules, how many usage rows
-- they both match, and one of them as an example. (The matching is done here from
-- stg_seeds__team_rules and fct_job_run_costs, with the same macro as int_job_runs_allocated,
-- so this test runs beside the other rule tests and stops the allocation when it fails.)
{% set problems %}
with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }}

),

team_rules as (

    select
        rules.*,
        {{ team_rule_like_patterns('rules') }}

    from {{ ref('stg_seeds__team_rules') }} as rules
    where {{ team_rule_is_usable('rules') }}

),

matches as (

    select distinct
        job_run_costs.usage_row_id,
        job_run_costs.usage_date,
        job_run_costs.org_name,
        job_run_costs.org_id,
        job_run_costs.project_name,
        job_run_costs.workflow_name,
        job_run_costs.job_name,
        job_run_costs.branch,
        team_rules.rule_id,
        team_rules.priority

    from job_run_costs
    inner join team_rules
        on {{ team_rule_applies('team_rules', 'job_run_costs') }}

),

clashes as (

    select
        first_rule.rule_id as first_rule_id,
        second_rule.rule_id as second_rule_id,
        first_rule.priority,
        first_rule.usage_row_id,
        first_rule.usage_date,
        coalesce(first_rule.org_name, first_rule.org_id) as org,
        first_rule.project_name,
        first_rule.workflow_name,
        first_rule.job_name,
        first_rule.branch,
        count(*) over (
            partition by first_rule.rule_id, second_rule.rule_id, first_rule.priority
        ) as usage_rows,
        row_number() over (
            partition by first_rule.rule_id, second_rule.rule_id, first_rule.priority
            order by first_rule.usage_date, first_rule.usage_row_id
        ) as example_number

    from matches as first_rule
    inner join matches as second_rule
        on first_rule.usage_row_id = second_rule.usage_row_id
        and first_rule.priority = second_rule.priority
        and first_rule.rule_id < second_rule.rule_id

)

select
    'team_rules.csv rules ' || first_rule_id || ' and ' || second_rule_id
        || ' both have priority ' || cast(priority as {{ dbt.type_string() }})
        || ' and both match ' || cast(usage_rows as {{ dbt.type_string() }})
        || ' usage row(s), for example on ' || cast(usage_date as {{ dbt.type_string() }})
        || ' org ' || org
        || ' project ' || coalesce(project_name, '(none)')
        || ' workflow ' || coalesce(workflow_name, '(none)')
        || ' job ' || coalesce(job_name, '(none)')
        || ' branch ' || coalesce(branch, '(none)')
        || ': give one of them another priority (the lowest wins), or narrow its patterns'
        as problem,
    clashes.*

from clashes
where example_number = 1
{% endset %}
{{ report_problems(problems) }}
