-- Within one rule, rows with different dates are periods one after another (a re-organisation
-- that hands a project to another team from a date on): they must not cover the same day,
-- or the job runs of that day would be placed twice. Rows with the same dates form one
-- split and are checked by assert_team_rule_shares_sum_to_100.
{% set problems %}
with

team_rules as (

    select * from {{ ref('stg_seeds__team_rules') }} as rules
    where {{ team_rule_is_usable('rules') }}
        -- a row ending before it starts fails assert_team_rules_are_well_formed
        and (rules.effective_until is null or rules.effective_until >= rules.effective_from)

),

periods as (

    select
        rule_id,
        effective_from,
        effective_until,
        {{ dbt.listagg('team', "', '", 'order by team') }} as teams,
        row_number() over (
            partition by rule_id
            order by effective_from, effective_until
        ) as period_number

    from team_rules
    group by rule_id, effective_from, effective_until

),

overlapping_periods as (

    select
        earlier.rule_id,
        earlier.effective_from as earlier_from,
        earlier.effective_until as earlier_until,
        earlier.teams as earlier_teams,
        later.effective_from as later_from,
        later.effective_until as later_until,
        later.teams as later_teams,
        greatest(earlier.effective_from, later.effective_from) as overlap_from,
        least(earlier.effective_until, later.effective_until) as overlap_until

    from periods as earlier
    inner join periods as later
        on earlier.rule_id = later.rule_id
        and earlier.period_number < later.period_number
        and {{ periods_overlap('earlier', 'later') }}

)

select
    'team_rules.csv rule ' || rule_id || ' has rows for ' || earlier_teams
        || ' (from ' || cast(earlier_from as {{ dbt.type_string() }})
        || ' until ' || coalesce(cast(earlier_until as {{ dbt.type_string() }}), 'open')
        || ') and for ' || later_teams
        || ' (from ' || cast(later_from as {{ dbt.type_string() }})
        || ' until ' || coalesce(cast(later_until as {{ dbt.type_string() }}), 'open')
        || ') that overlap from ' || cast(overlap_from as {{ dbt.type_string() }})
        || ' until ' || coalesce(cast(overlap_until as {{ dbt.type_string() }}), 'open')
        || ': end one period the day before the next starts (rows of a split share the same dates)'
        as problem,
    overlapping_periods.*

from overlapping_periods
{% endset %}
{{ report_problems(problems) }}
