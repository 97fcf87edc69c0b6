-- Every raw usage row appears exactly once in fct_job_run_costs, with the raw row's credits,
-- and nothing else does. (A test may read the source: it checks the whole chain end to end.)
--
-- With full_history_tests (or any --full-refresh) every row is compared. A routine
-- run compares, row by row, every row whose usage_row_id it met on the org-days it re-read
-- (wherever its other copies are), and, for every other org-day of the history, the row
-- count and the credits of the raw table with those of fct_job_run_costs (org-day sums,
-- cheap) and then its rows, when they differ. A raw row changed outside the days a run
-- re-reads in a way that keeps its org-day's count and credits shows up only over the whole
-- history, as stale: `dbt build --full-refresh` reprices it.
-- depends_on: {{ ref('int_refresh_plan') }}
-- depends_on: {{ ref('int_org_days_priced') }}
-- depends_on: {{ ref('stg_circleci__job_runs') }}
{% set problems %}
{%- set full_history = full_history_tests() -%}
{%- set compared_rows = '' if full_history else 'where usage_row_id in (select usage_row_id from row_ids_to_compare)' -%}
with

{% if not full_history %}

fact_org_days as (

    select org_id, usage_date, count(*) as usage_rows, sum(total_credits) as total_credits
    from {{ ref('fct_job_run_costs') }}
    group by org_id, usage_date

),

org_days_out_of_step as (

    -- org-days whose row count or credits differ between the raw table and the fact
    select
        coalesce(raw_days.org_id, fact_org_days.org_id) as org_id,
        coalesce(raw_days.usage_date, fact_org_days.usage_date) as usage_date

    from {{ ref('int_org_days_priced') }} as raw_days
    full outer join fact_org_days
        on raw_days.org_id is not distinct from fact_org_days.org_id
        and raw_days.usage_date is not distinct from fact_org_days.usage_date
    where raw_days.usage_rows is distinct from fact_org_days.usage_rows
        or raw_days.total_credits is distinct from fact_org_days.total_credits

),

org_days_to_compare as (

    -- the org-days this run re-read, and any other out of step
    select org_id, usage_date from {{ ref('int_refresh_plan') }} where refresh_costs
    union
    select org_id, usage_date from org_days_out_of_step

),

row_ids_to_compare as (

    -- the rows of those org-days in the fact; a raw row missing from the fact puts its
    -- org-day out of step, whose raw rows are then compared too
    select fct.usage_row_id
    from {{ ref('fct_job_run_costs') }} as fct
    inner join org_days_to_compare
        on fct.org_id is not distinct from org_days_to_compare.org_id
        and fct.usage_date is not distinct from org_days_to_compare.usage_date

    union

    select job_runs.usage_row_id
    from {{ ref('stg_circleci__job_runs') }} as job_runs
    inner join org_days_out_of_step
        on job_runs.org_id is not distinct from org_days_out_of_step.org_id
        and job_runs.usage_date is not distinct from org_days_out_of_step.usage_date

),

{% endif %}

raw_rows as (

    select
        usage_row_id,
        count(*) as raw_count,
        sum(total_credits) as raw_total_credits

    from {{ source('circleci_raw', 'usage_job_runs') }}
    {{ compared_rows }}
    group by usage_row_id

),

fact_rows as (

    select
        usage_row_id,
        count(*) as fact_count,
        sum(total_credits) as fact_total_credits

    from {{ ref('fct_job_run_costs') }}
    {{ compared_rows }}
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
