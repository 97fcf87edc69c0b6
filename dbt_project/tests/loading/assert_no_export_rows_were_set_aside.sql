-- Warns, in every build, while the loader holds export rows it set aside instead of loading
-- (circleci_raw.rejected_rows): their credits are in no mart until a reload reads them. Names
-- each file or export window with its count and the first reason; docs/loading.md says how to
-- reload. A warning, not an error: the rest of the data is complete and correct.
{{ config(severity='warn') }}
{% set problems %}
with

rejected as (

    select * from {{ ref('stg_circleci__rejected_rows') }}

),

by_source as (

    select
        source,
        count(*) as rows_set_aside,
        min(line_number) as first_line,
        min(reason) as a_reason

    from rejected
    group by source

),

final as (

    select
        source,
        rows_set_aside,
        source || ': ' || cast(rows_set_aside as {{ dbt.type_string() }})
            || ' row(s) set aside in circleci_raw.rejected_rows, first at row '
            || cast(first_line as {{ dbt.type_string() }}) || ' (' || a_reason || ')'
            as problem

    from by_source

)

select * from final
{% endset %}
{{ report_problems(problems) }}
