/*
  One row per usage row of fct_job_run_costs: which kind of waste its cost is, one kind per
  row so the kinds add up:
  - failed: a failed run (var('failed_job_statuses'), as in fct_job_run_costs.is_failed);
  - canceled: a canceled run;
  - duplicate_rerun: a run that succeeded or not, of a job that had already succeeded in an
    earlier workflow run of the same pipeline and workflow (a workflow re-run: the export
    gives a re-run the pipeline id of its original and new workflow and job ids; a pipeline
    is one commit, so this is the same job run again on the same commit);
  - NULL: the rest, and rows without a job (seats).

  Ephemeral: compiled into int_waste_daily, its only reader, and never stored, so no build
  writes a row per usage row only to read it back once (docs/performance.md). When
  int_waste_daily's table exists and the run is not a --full-refresh (its is_incremental()),
  it judges the rows of the org-days int_waste_refresh_days names, reading every row of the
  pipelines with a row on them (so each run is judged against all the runs of its pipeline,
  whatever their day); every row otherwise.
*/

{{ config(materialized='ephemeral') }}

{%- set daily_is_incremental = reader_is_incremental('int_waste_daily') %}

with

refresh_days as (

    select * from {{ ref('int_waste_refresh_days') }}

),

-- read twice (the rows of the org-days, every row of their pipelines): NOT MATERIALIZED lets
-- each reader filter its own scan, where DuckDB would otherwise first store every row of
-- the table for the two (about three times slower on a daily build, docs/performance.md)
job_run_costs as not materialized (

    select
        usage_row_id,
        org_id,
        usage_date,
        pipeline_id,
        workflow_name,
        job_name,
        job_run_started_at,
        is_job_run,
        is_failed,
        job_status

    from {{ ref('fct_job_run_costs') }}

),

day_rows as (

    select job_run_costs.*

    from job_run_costs
    inner join refresh_days
        on job_run_costs.org_id = refresh_days.org_id
        and job_run_costs.usage_date = refresh_days.usage_date

),

day_pipelines as (

    select distinct pipeline_id from day_rows where pipeline_id is not null

),

rows_to_judge as (

    {% if daily_is_incremental -%}
    -- the rows of the org-days to rebuild without a pipeline, and every row, whatever its
    -- day, of the pipelines with a row on them
    select * from day_rows where pipeline_id is null
    union all
    select job_run_costs.*
    from job_run_costs
    inner join day_pipelines
        on job_run_costs.pipeline_id = day_pipelines.pipeline_id
    {%- else -%}
    select * from job_run_costs
    {%- endif %}

),

ordered as (

    select
        usage_row_id,
        org_id,
        usage_date,
        is_job_run,
        is_failed,
        job_status,
        -- successes of this job in earlier runs of the same pipeline and workflow
        case
            when pipeline_id is null or not is_job_run then 0
            else count(case when job_status = 'success' then 1 end) over (
                partition by pipeline_id, workflow_name, job_name
                order by job_run_started_at, usage_row_id
                rows between unbounded preceding and 1 preceding
            )
        end as earlier_successes

    from rows_to_judge

),

final as (

    select
        usage_row_id,
        org_id,
        usage_date,
        case
            when not is_job_run then null
            when is_failed then 'failed'
            when job_status = 'canceled' then 'canceled'
            when earlier_successes > 0 then 'duplicate_rerun'
        end as waste_kind

    from ordered
    {% if daily_is_incremental -%}
    where {{ on_listed_org_days('ordered', 'refresh_days') }}
    {%- endif %}

)

select * from final
