-- The team series of an org add up to the org's series every day: team allocation moves cost
-- between teams, never creates or loses any, and the seats split off the teams' rows without
-- a project are the org's seats. To a billionth of the currency: splitting seats off a
-- team's share rounds at the 18th decimal, where the org series is exact.
{% set problems %}
with

series as (

    select * from {{ ref('cost_daily_series') }}

),

teams as (

    select usage_date, org_id, sum(actual_cost) as actual_cost
    from series
    where scope_type = 'team'
    group by usage_date, org_id

),

orgs as (

    select usage_date, org_id, actual_cost
    from series
    where scope_type = 'org'

),

compared as (

    select
        coalesce(orgs.usage_date, teams.usage_date) as usage_date,
        coalesce(orgs.org_id, teams.org_id) as org_id,
        coalesce(orgs.actual_cost, 0) as org_cost,
        coalesce(teams.actual_cost, 0) as team_cost

    from orgs
    full outer join teams
        on orgs.usage_date = teams.usage_date
        and orgs.org_id = teams.org_id
    -- a team's life can end before its org's (a team retired after a re-organisation)
    where teams.usage_date is not null or orgs.actual_cost <> 0

)

select
    'the team series of org ' || org_id || ' on ' || cast(usage_date as {{ dbt.type_string() }})
        || ' add up to ' || cast(team_cost as {{ dbt.type_string() }})
        || ' but the org series says ' || cast(org_cost as {{ dbt.type_string() }}) as problem,
    compared.*

from compared
where abs(team_cost - org_cost) > 0.000000001
    and exists (select 1 from series where scope_type = 'team')
{% endset %}
{{ report_problems(problems) }}
