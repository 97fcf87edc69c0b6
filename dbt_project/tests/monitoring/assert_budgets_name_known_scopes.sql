-- A budget whose scope matches nothing with usage (a typo, a project never built, a team no
-- rule assigns) shows 0 cost for ever: warn, naming it, rather than fail the build.
{{ config(severity='warn') }}
{% set problems %}
select
    'budgets.csv row ' || budget_key || ' names a ' || scope_type || ' "' || scope
        || '" that has no usage in the data: check the spelling ('
        || case scope_type
            when 'org' then 'an org name or id'
            when 'project' then 'a project name, id, or "org name/project name"'
            else 'a team name from team_rules.csv'
        end || ')' as problem,
    budget_key,
    scope_type,
    scope

from {{ ref('budget_status_monthly') }}
where matched_scopes = 0 and scope_type in ('team', 'org', 'project')
{% endset %}
{{ report_problems(problems) }}
