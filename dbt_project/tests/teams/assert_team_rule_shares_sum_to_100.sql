-- The rows of a rule in force on the same days (same rule_id, same dates) share each matched
-- job run's cost: their share_pct (blank = 100) must sum to exactly 100, or cost would be
-- created or lost. Names the rule, its dates and each team's share.
{% set problems %}
with

team_rules as (

    select * from {{ ref('stg_seeds__team_rules') }} as rules
    -- rows that cannot be applied fail assert_team_rules_are_well_formed instead
    where {{ team_rule_is_usable('rules') }}

),

periods as (

    select
        rule_id,
        effective_from,
        effective_until,
        sum(share_pct) as total_share_pct,
        {{ dbt.listagg(
            "team || ' ' || coalesce(share_pct_as_written, '100')",
            "', '",
            "order by team"
        ) }} as shares

    from team_rules
    group by rule_id, effective_from, effective_until

)

select
    'team_rules.csv rule ' || rule_id
        || ' (from ' || cast(effective_from as {{ dbt.type_string() }})
        || ' until ' || coalesce(cast(effective_until as {{ dbt.type_string() }}), 'open')
        || ') gives shares that sum to '
        || cast(cast(total_share_pct as double precision) as {{ dbt.type_string() }})
        || ' (' || shares || '): the share_pct of a rule''s rows with the same dates must'
        || ' sum to 100' as problem,
    periods.*

from periods
where total_share_pct <> 100
{% endset %}
{{ report_problems(problems) }}
