/*
  int_waste_refresh_days: one row per org and UTC day whose waste this run rebuilds
  (int_job_run_waste, int_waste_daily): the org-days int_refresh_plan flags
  refresh_allocation (their costs or teams were rebuilt), and every org-day with a row of a
  pipeline that has a row on one of them. A run's waste kind depends on the other runs of its
  pipeline (a duplicate re-run follows a success), and a pipeline's runs can fall on several
  days: a day loaded late (a resumed backfill loads older windows after newer ones) changes
  the kinds of the runs of its pipelines on the days already built.

  A table rebuilt on every run: it reads three columns of fct_job_run_costs to find the
  pipelines, and is as long as the org-days it names. When int_waste_daily is rebuilt from
  every row (a --full-refresh, or no table yet: its is_incremental() is false, see
  reader_is_incremental) the list is not read, and is the plan's days alone, without the
  search for pipelines.
*/

{{ config(materialized='table') }}

{%- set waste_is_incremental = reader_is_incremental('int_waste_daily') %}

with

refresh_plan as (

    select * from {{ ref('int_refresh_plan') }} where refresh_allocation

),

-- read twice (the pipelines of the plan's days, the days of those pipelines): NOT
-- MATERIALIZED lets each reader filter its own scan instead of DuckDB first storing the
-- three columns of every row for the two
job_run_costs as not materialized (

    select org_id, usage_date, pipeline_id from {{ ref('fct_job_run_costs') }}

),

rebuilt_pipelines as (

    select distinct job_run_costs.pipeline_id

    from job_run_costs
    inner join refresh_plan
        on job_run_costs.org_id = refresh_plan.org_id
        and job_run_costs.usage_date = refresh_plan.usage_date
    where job_run_costs.pipeline_id is not null

),

pipeline_days as (

    select distinct
        job_run_costs.org_id,
        job_run_costs.usage_date

    from job_run_costs
    inner join rebuilt_pipelines
        on job_run_costs.pipeline_id = rebuilt_pipelines.pipeline_id

),

final as (

    select org_id, usage_date from refresh_plan
    {%- if waste_is_incremental %}
    union
    select org_id, usage_date from pipeline_days
    {%- endif %}

)

select * from final
