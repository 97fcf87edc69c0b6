/*
  int_anomaly_project_days: one row per project scope and UTC day of int_scope_days_filled,
  with how its pipelines and workflow runs were made that day (int_anomaly_pipeline_days),
  for the tests that read a day's make-up: re-runs (int_anomaly_reruns) and pipeline loops
  (int_anomaly_pipeline_loops).

  Guarantees:
  - One row per project scope and day of int_scope_days_filled: its days are contiguous, so
    a window of its readers over "the weeks before" counts days, not rows.
  - A day without job runs has 0 pipelines, workflow runs and re-run workflow runs, and NULL
    credits (so its shares are NULL, not 0).

  Ephemeral: compiled into its two readers; it reads scope-days and project-days, never the
  job runs.
*/

{{ config(materialized='ephemeral') }}

with

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

pipeline_days as (

    select * from {{ ref('int_anomaly_pipeline_days') }}

),

final as (

    select
        filled.scope_key,
        filled.usage_date,
        filled.price_per_credit,
        coalesce(pipeline_days.pipelines, 0) as pipelines,
        coalesce(pipeline_days.workflow_runs, 0) as workflow_runs,
        coalesce(pipeline_days.rerun_workflow_runs, 0) as rerun_workflow_runs,
        cast(pipeline_days.usage_credits as double precision) as usage_credits,
        cast(pipeline_days.rerun_credits as double precision) as rerun_credits,
        pipeline_days.busiest_branch,
        coalesce(pipeline_days.busiest_branch_pipelines, 0) as busiest_branch_pipelines

    from filled
    left join pipeline_days
        on filled.org_id = pipeline_days.org_id
        and filled.project_id = pipeline_days.project_id
        and filled.usage_date = pipeline_days.usage_date
    where filled.scope_type = 'project'

)

select * from final
