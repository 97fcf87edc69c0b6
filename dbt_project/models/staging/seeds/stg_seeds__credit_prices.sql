with

source as (

    select * from {{ ref('credit_prices') }}

),

renamed as (

    select
        -- which price row priced a usage row: "<org_id or all-orgs>:<effective_from>";
        -- unique once the price list passes its tests (no two rows of one scope start the same day)
        coalesce(nullif(trim(org_id), ''), 'all-orgs')
            || ':' || cast(effective_from as {{ dbt.type_string() }}) as price_key,
        nullif(trim(org_id), '') as org_id,
        nullif(trim(org_id), '') is not null as is_org_price,
        {{ try_cast("nullif(trim(price_per_credit), '')", price_type()) }} as price_per_credit,
        nullif(trim(price_per_credit), '') as price_per_credit_as_written,
        upper(nullif(trim(currency), '')) as currency,
        cast(effective_from as date) as effective_from,
        cast(effective_until as date) as effective_until,
        nullif(trim(note), '') as price_note

    from source

)

select * from renamed
