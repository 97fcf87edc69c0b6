-- Every raw usage row appears exactly once in fct_job_run_costs, with the raw row's credits,
-- and nothing else does. (A test may read the source: it checks the whole chain end to end.)
-- Rows changed in the raw table outside the incremental lookback (a manual re-load of old
-- windows) show up here as stale: `dbt build --full-refresh` reprices them.
{% set problems %}
with

raw_rows as (

    select
        usage_row_id,
        count(*) as raw_count,
        sum(total_credits) as raw_total_credits

    from {{ source('circleci_raw', 'usage_job_runs') }}
    group by usage_row_id

),

fact_rows as (

    select
        usage_row_id,
        count(*) as fact_count,
        sum(total_credits) as fact_total_credits

    from {{ ref('fct_job_run_costs') }}
    group by usage_row_id

),

compared as (

    select
        coalesce(raw_rows.usage_row_id, fact_rows.usage_row_id) as usage_row_id,
        coalesce(raw_count, 0) as raw_count,
        coalesce(fact_count, 0) as fact_count,
        raw_total_credits,
        fact_total_credits

    from raw_rows
    full outer join fact_rows
        on raw_rows.usage_row_id is not distinct from fact_rows.usage_row_id

)

select
    'usage_row_id ' || coalesce(usage_row_id, 'NULL') || ' ' || case
        when fact_count = 0 then 'is in the raw table but missing from fct_job_run_costs'
        when raw_count = 0 then 'is in fct_job_run_costs but not in the raw table'
        when fact_count > 1 then 'appears ' || cast(fact_count as {{ dbt.type_string() }}) || ' times in fct_job_run_costs'
        when raw_count > 1 then 'appears ' || cast(raw_count as {{ dbt.type_string() }}) || ' times in the raw table'
        else 'has total_credits ' || cast(raw_total_credits as {{ dbt.type_string() }})
            || ' in the raw table but ' || cast(fact_total_credits as {{ dbt.type_string() }})
            || ' in fct_job_run_costs (stale: run dbt build --full-refresh)'
    end as problem,
    compared.*

from compared
where raw_count <> 1
    or fact_count <> 1
    or raw_total_credits is distinct from fact_total_credits
{% endset %}
{{ report_problems(problems) }}
