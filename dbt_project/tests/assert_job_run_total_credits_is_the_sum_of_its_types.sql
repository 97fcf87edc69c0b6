{{ config(severity='warn') }}
-- CircleCI's TOTAL_CREDITS is the sum of the credit types. If an export ever disagrees, cost by
-- type will not add up to total_cost (which is priced from total_credits): warn, naming rows.
-- Read on fct_job_run_costs, which carries the export's credits as they are (the 2 million
-- rows are not read through the staging view again). A routine run checks the rows it re-read;
-- full_history_tests checks all.
{% set problems %}
select
    'usage_row_id ' || usage_row_id || ' has total_credits '
        || cast(total_credits as {{ dbt.type_string() }}) || ' but its credit types add up to '
        || cast(
            {% for credit_type in credit_types() -%}
            coalesce({{ credit_type }}_credits, 0){{ ' + ' if not loop.last }}
            {%- endfor %} as {{ dbt.type_string() }}
        ) as problem,
    usage_row_id

from {{ ref('fct_job_run_costs') }} as job_runs
where {{ checked_in_this_run('job_runs', 'refresh_costs') }}
    and total_credits is distinct from (
    {% for credit_type in credit_types() -%}
    coalesce({{ credit_type }}_credits, 0){{ ' + ' if not loop.last }}
    {%- endfor %}
)
{% endset %}
{{ report_problems(problems) }}
