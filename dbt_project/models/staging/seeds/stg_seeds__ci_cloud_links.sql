with

source as (

    select * from {{ ref('ci_cloud_links') }}

),

final as (

    select
        nullif(trim(link_id), '') as link_id,
        -- CircleCI side: globs (blank = any)
        nullif(trim(org_id), '') as org_id,
        nullif(trim(project), '') as project,
        nullif(trim(workflow), '') as workflow,
        -- cloud side: globs (blank = any)
        nullif(trim(provider), '') as provider,
        nullif(trim(sub_account), '') as sub_account,
        nullif(trim(service), '') as service,
        nullif(trim(team), '') as team,
        nullif(trim(note), '') as note

    from source

)

select * from final
