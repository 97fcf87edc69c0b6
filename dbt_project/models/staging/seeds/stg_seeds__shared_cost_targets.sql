-- The teams listed in shared_costs.csv's target_teams, one row each: names separated by ";"
-- (or "," inside a quoted cell), trimmed; empty names between separators are dropped.
-- Reads the seed itself, not stg_seeds__shared_costs, so that a failing test of that model
-- does not skip this one and the tests that read both (cycles, unallocated as a target)
-- still run and report.

with

source as (

    select * from {{ ref('shared_costs') }}

),

policies as (

    select
        {{ shared_cost_policy_key("nullif(trim(source_team), '')", 'cast(effective_from as date)') }}
            as policy_key,
        nullif(trim(target_teams), '') as target_teams_as_written

    from source

),

digits as (

    select 0 as digit union all select 1 union all select 2 union all select 3
    union all select 4 union all select 5 union all select 6 union all select 7
    union all select 8 union all select 9

),

positions as (

    -- 1 .. 100: a list may name up to 100 teams (assert_shared_cost_policies_are_well_formed)
    select tens.digit * 10 + units.digit + 1 as position

    from digits as tens
    cross join digits as units

),

lists as (

    select
        policy_key,
        replace(target_teams_as_written, ',', ';') as target_list

    from policies
    where target_teams_as_written is not null

),

parts as (

    select
        lists.policy_key,
        positions.position,
        trim({{ dbt.split_part('lists.target_list', "';'", 'positions.position') }}) as target_team

    from lists
    inner join positions
        on positions.position
            <= {{ dbt.length('lists.target_list') }}
            - {{ dbt.length(dbt.replace('lists.target_list', "';'", "''")) }} + 1

),

final as (

    select
        policy_key,
        target_team,
        min(position) as position_in_list

    from parts
    where target_team <> ''
    group by policy_key, target_team

)

select * from final
