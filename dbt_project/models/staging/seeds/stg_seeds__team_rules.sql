with

source as (

    select * from {{ ref('team_rules') }}

),

blanks_as_null as (

    select
        nullif(trim(rule_id), '') as rule_id,
        nullif(trim(priority), '') as priority_as_written,
        nullif(trim(team), '') as team,
        nullif(trim(org_id), '') as org_id,
        nullif(trim(project), '') as project,
        nullif(trim(workflow), '') as workflow,
        nullif(trim(job), '') as job,
        nullif(trim(branch), '') as branch,
        nullif(trim(share_pct), '') as share_pct_as_written,
        cast(effective_from as date) as effective_from,
        cast(effective_until as date) as effective_until

    from source

),

final as (

    select
        rule_id,
        team,
        {{ try_cast('priority_as_written', dbt.type_bigint()) }} as priority,
        priority_as_written,
        -- glob patterns as written (NULL = any value, NULL included); matched by
        -- team_rule_applies() after team_rule_like_patterns()
        org_id,
        project,
        workflow,
        job,
        branch,
        -- percent of a matched job run's cost; blank = the whole of it
        case
            when share_pct_as_written is null then cast(100 as decimal(9, 6))
            else {{ try_cast('share_pct_as_written', 'decimal(9, 6)') }}
        end as share_pct,
        share_pct_as_written,
        effective_from,
        effective_until

    from blanks_as_null

)

select * from final
