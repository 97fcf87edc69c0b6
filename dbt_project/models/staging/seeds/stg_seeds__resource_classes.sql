with

source as (

    select * from {{ ref('resource_classes') }}

),

final as (

    select
        lower(trim(executor)) as executor,
        trim(resource_class) as resource_class,
        cast(vcpus as double precision) as vcpus,
        cast(ram_gib as double precision) as ram_gib,
        {{ try_cast("nullif(trim(credits_per_minute), '')", 'decimal(18, 6)') }} as credits_per_minute,
        nullif(trim(credits_per_minute), '') as credits_per_minute_as_written,
        nullif(trim(next_size_down), '') as next_size_down,
        nullif(trim(next_size_up), '') as next_size_up,
        nullif(trim(credits_source), '') as credits_source

    from source

)

select * from final
