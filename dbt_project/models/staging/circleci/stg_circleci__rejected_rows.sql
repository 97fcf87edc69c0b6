-- Rows the loader set aside instead of loading (circleci_raw.rejected_rows): one row per
-- export row it could not read or found twice in one export. The loader creates the table at
-- the first row it sets aside, so until then this view is empty rather than missing.
{%- set rejected_rows = source('circleci_raw', 'rejected_rows') -%}
{%- set loaded = adapter.get_relation(
    database=rejected_rows.database,
    schema=rejected_rows.schema,
    identifier=rejected_rows.identifier,
) %}

with

source as (

    {% if loaded is not none %}
    select
        source,
        org_id,
        window_start,
        window_end,
        file_name,
        line_number,
        raw_text,
        reason,
        rejected_at
    from {{ rejected_rows }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as org_id,
        cast(null as timestamp with time zone) as window_start,
        cast(null as timestamp with time zone) as window_end,
        cast(null as {{ dbt.type_string() }}) as file_name,
        cast(null as {{ dbt.type_bigint() }}) as line_number,
        cast(null as {{ dbt.type_string() }}) as raw_text,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as timestamp with time zone) as rejected_at
    where false
    {% endif %}

),

renamed as (

    select
        cast(source as {{ dbt.type_string() }}) as source,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        window_start,
        window_end,
        cast(file_name as {{ dbt.type_string() }}) as file_name,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        cast(raw_text as {{ dbt.type_string() }}) as raw_text,
        cast(reason as {{ dbt.type_string() }}) as reason,
        rejected_at
    from source

),

final as (

    select * from renamed

)

select * from final
