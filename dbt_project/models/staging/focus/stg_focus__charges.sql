/*
  One row per cloud FOCUS charge loaded by `python -m loader focus`, typed and renamed.
  Empty (with the same columns) while no cloud export has been loaded: the CircleCI marts
  never wait for a cloud bill.
*/

{%- set charges = source('focus_raw', 'charges') -%}
{%- set loaded = execute and adapter.get_relation(
    database=charges.database, schema=charges.schema, identifier=charges.identifier
) is not none %}

with

source as (

    {% if loaded -%}
    select * from {{ charges }}
    {%- else -%}
    -- focus_raw.charges does not exist yet: no rows, the loader's columns
    select
        {% for name in ['source_sha256', 'source_file', 'focus_version', 'provider_name',
                        'publisher_name', 'billing_account_id', 'billing_account_name',
                        'sub_account_id', 'sub_account_name', 'service_name',
                        'service_category', 'charge_category', 'charge_description',
                        'billing_currency', 'region_name', 'resource_id', 'resource_name',
                        'sku_id', 'pricing_unit', 'tags', 'provider_columns'] -%}
        cast(null as {{ dbt.type_string() }}) as {{ name }},
        {% endfor -%}
        cast(null as bigint) as source_row,
        {% for name in ['billed_cost', 'effective_cost', 'list_cost', 'contracted_cost',
                        'pricing_quantity'] -%}
        cast(null as {{ money_type() }}) as {{ name }},
        {% endfor -%}
        {% for name in ['charge_period_start', 'charge_period_end', 'billing_period_start',
                        'billing_period_end'] -%}
        cast(null as timestamptz) as {{ name }}{{ ',' if not loop.last }}
        {% endfor %}
    where false
    {%- endif %}

),

renamed as (

    select
        -- key: the file's content hash and the row's number in it
        source_sha256 || ':' || cast(source_row as {{ dbt.type_string() }}) as charge_key,
        source_file,
        focus_version,

        -- who and what
        provider_name,
        publisher_name,
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,
        service_name,
        service_category,
        charge_category,
        charge_description,
        region_name,
        resource_id,
        resource_name,
        sku_id,
        coalesce(tags, '{}') as tags,
        provider_columns,

        -- when (UTC)
        charge_period_start,
        charge_period_end,
        {{ utc_date('charge_period_start') }} as charge_date,
        billing_period_start,
        billing_period_end,

        -- how much (in billing_currency; exact decimals)
        billing_currency,
        cast(billed_cost as {{ money_type() }}) as billed_cost,
        cast(effective_cost as {{ money_type() }}) as effective_cost,
        cast(list_cost as {{ money_type() }}) as list_cost,
        cast(contracted_cost as {{ money_type() }}) as contracted_cost,
        cast(pricing_quantity as {{ money_type() }}) as pricing_quantity,
        pricing_unit

    from source

)

select * from renamed
