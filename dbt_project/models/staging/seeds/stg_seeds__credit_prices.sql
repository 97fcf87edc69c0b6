with

source as (

    select * from {{ ref('credit_prices') }}

),

blanks_as_null as (

    select
        nullif(trim(org_id), '') as org_id,
        nullif(trim(price_per_credit), '') as price_per_credit_as_written,
        upper(nullif(trim(currency), '')) as currency,
        cast(effective_from as date) as effective_from,
        cast(effective_until as date) as effective_until,
        nullif(trim(note), '') as price_note

    from source

),

final as (

    select
        -- which price row priced a usage row: "<org_id or all-orgs>:<effective_from>";
        -- unique once the price list passes its tests (no two rows of one scope start the same day)
        coalesce(org_id, 'all-orgs')
            || ':' || cast(effective_from as {{ dbt.type_string() }}) as price_key,
        org_id,
        org_id is not null as is_org_price,
        {{ try_cast('price_per_credit_as_written', price_type()) }} as price_per_credit,
        price_per_credit_as_written,
        currency,
        effective_from,
        effective_until,
        price_note

    from blanks_as_null

)

select * from final
