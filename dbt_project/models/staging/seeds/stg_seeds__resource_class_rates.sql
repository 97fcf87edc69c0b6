with

source as (

    select * from {{ ref('resource_class_rates') }}

),

final as (

    select
        nullif(trim(org_id), '') as org_id,
        lower(trim(executor)) as executor,
        trim(resource_class) as resource_class,
        {{ try_cast("nullif(trim(credits_per_minute), '')", 'decimal(18, 6)') }} as credits_per_minute,
        nullif(trim(credits_per_minute), '') as credits_per_minute_as_written,
        note

    from source

)

select * from final
