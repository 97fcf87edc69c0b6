-- Every row of team_rules.csv can be applied: it has a rule_id, a team other than the
-- reserved `unallocated`, a whole-number priority, a share above 0 and at most 100 with at
-- most 6 decimals (blank = 100), a start, and no end before its start; and the rows of one
-- rule agree on its priority and patterns (only team, share_pct and dates may differ).
{% set problems %}
with

team_rules as (

    select * from {{ ref('stg_seeds__team_rules') }}

),

row_checks as (

    select
        team_rules.*,
        {{ try_cast('share_pct_as_written', 'decimal(38, 18)') }} as share_pct_exact,
        case
            when rule_id is null then 'has no rule_id'
            when team is null then 'has no team'
            when lower(team) = {{ unallocated_team() }}
                then 'names the team unallocated, which is reserved for usage no rule matches: choose another name'
            when priority_as_written is null
                then 'has no priority: give a whole number (the lowest that matches wins)'
            when priority is null
                or {{ try_cast('priority_as_written', 'decimal(38, 18)') }} <> priority
                then 'has priority "' || priority_as_written || '", which is not a whole number'
            when share_pct_as_written is not null
                and {{ try_cast('share_pct_as_written', 'decimal(38, 18)') }} is null
                then 'has share_pct "' || share_pct_as_written || '", which is not a number'
            when {{ try_cast('share_pct_as_written', 'decimal(38, 18)') }} <= 0
                or {{ try_cast('share_pct_as_written', 'decimal(38, 18)') }} > 100
                then 'has share_pct ' || share_pct_as_written || ': a share must be above 0 and at most 100'
            when share_pct is null
                or {{ try_cast('share_pct_as_written', 'decimal(38, 18)') }} <> share_pct
                then 'has share_pct ' || share_pct_as_written || ' with more than 6 decimals'
            when effective_from is null
                then 'has no effective_from: give the first day (UTC) the rule applies'
            when effective_until < effective_from
                then 'ends (effective_until) before it starts (effective_from)'
        end as failure

    from team_rules

),

rule_shapes as (

    -- the priority and patterns of a rule, which all its rows must share
    select
        rule_id,
        count(distinct
            coalesce(cast(priority as {{ dbt.type_string() }}), '<none>')
            || '|' || coalesce(org_id, '<any>') || '|' || coalesce(project, '<any>')
            || '|' || coalesce(workflow, '<any>') || '|' || coalesce(job, '<any>')
            || '|' || coalesce(branch, '<any>')
        ) as shapes

    from team_rules
    where rule_id is not null
    group by rule_id

),

inconsistent_rules as (

    select
        'team_rules.csv rule ' || rule_id || ' has rows that differ in priority or in the'
            || ' org_id, project, workflow, job or branch patterns: the rows of one rule share'
            || ' them (only team, share_pct and the dates may differ); give the other rows'
            || ' their own rule_id' as problem,
        rule_id

    from rule_shapes
    where shapes > 1

),

bad_rows as (

    select
        'team_rules.csv ' || {{ team_rule_label('row_checks') }} || ' ' || failure as problem,
        rule_id

    from row_checks
    where failure is not null

)

select * from bad_rows
union all
select * from inconsistent_rules
{% endset %}
{{ report_problems(problems) }}
