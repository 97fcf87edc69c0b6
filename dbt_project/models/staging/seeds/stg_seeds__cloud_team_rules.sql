with

source as (

    select * from {{ ref('cloud_team_rules') }}

),

final as (

    select
        nullif(trim(rule_id), '') as rule_id,
        nullif(trim(team), '') as team,
        {{ try_cast("nullif(trim(priority), '')", dbt.type_bigint()) }} as priority,
        nullif(trim(priority), '') as priority_as_written,
        -- glob patterns as written (NULL = any value)
        nullif(trim(provider), '') as provider,
        nullif(trim(sub_account), '') as sub_account,
        nullif(trim(service), '') as service,
        -- a tag key (exact) and a glob for its value: the charge must carry the key, and
        -- its value must match (a blank value: any value)
        nullif(trim(tag_key), '') as tag_key,
        nullif(trim(tag_value), '') as tag_value,
        cast(effective_from as date) as effective_from,
        cast(effective_until as date) as effective_until

    from source

)

select * from final
