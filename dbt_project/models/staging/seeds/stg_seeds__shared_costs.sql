with

source as (

    select * from {{ ref('shared_costs') }}

),

blanks_as_null as (

    select
        nullif(trim(source_team), '') as source_team,
        nullif(trim(method), '') as method_as_written,
        nullif(trim(target_teams), '') as target_teams_as_written,
        cast(effective_from as date) as effective_from,
        cast(effective_until as date) as effective_until

    from source

),

final as (

    select
        -- which policy moved a cost: "<source_team>:<effective_from>"; unique once the file
        -- passes assert_shared_cost_policies_do_not_overlap
        {{ shared_cost_policy_key('source_team', 'effective_from') }} as policy_key,
        source_team,
        lower(method_as_written) as method,
        method_as_written,
        target_teams_as_written,
        target_teams_as_written is not null as has_target_list,
        effective_from,
        effective_until

    from blanks_as_null

)

select * from final
