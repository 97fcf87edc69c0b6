/*
  int_anomaly_pipeline_days: one row per UTC day x org x project with job runs: how its
  pipelines and workflow runs were made that day, for the tests that read what a day's cost
  is made of rather than its amount (the method: models/marts/monitoring/anomalies.md):
  re-runs (int_anomaly_reruns) and pipelines piling up on one branch (int_anomaly_pipeline_loops).

  CircleCI's usage export gives a re-run the PIPELINE_ID of the pipeline it re-runs, and new
  workflow and job ids (docs-experimental.circleci.com/usage, field pipeline_id: "If a
  pipeline is re-run, it will share the same pipeline ID as the original pipeline
  instance"). A pipeline runs each workflow of its config once, so a second workflow run of
  the same name in the same pipeline is a re-run: the first (by its first job's start) is
  the original, the later ones re-runs.

  Guarantees:
  - One row per usage_date, org_id and project_id (unique_combination_of_columns); only rows
    of job runs (a start time, a project and a pipeline) count. Read from the export's rows
    (stg_circleci__job_runs: the trigger user is not carried to fct_job_run_costs), credits
    only, so no price is needed.
  - usage_credits are the credits of those rows, seat (user) credits left out; rerun_credits
    the part of them in re-run workflows (unit: CircleCI credits), so 0 <= rerun_credits <=
    usage_credits.
  - A re-run is judged within the UTC day: a workflow re-run the day after its original
    counts as an original there (re-runs are counted at most, never twice).
  - busiest_branch_pipelines is the most pipelines one trigger user (PIPELINE_TRIGGER_USER_ID)
    started on one branch (VCS_BRANCH) that day, schedules left out (PIPELINE_TRIGGER_SOURCE
    scheduled_pipeline: a schedule that runs too often is the other tests' to find): the
    pushes and API calls by which a job re-triggers its own pipeline. busiest_branch names
    that branch (the first by name on a tie); a missing branch or user is one of its own.
  - An incremental table: every row sums one org-day of the export's rows, so a run replaces
    the org-days int_refresh_plan flags refresh_costs and keeps the others (cost_anomalies is
    compared with a full refresh by test_incremental.py).
*/

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        refresh_flag='refresh_costs',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_refresh_plan') }}

with

job_runs as (

    select * from {{ ref('stg_circleci__job_runs') }} as job_runs
    where job_run_started_at is not null
        and project_id is not null
        and pipeline_id is not null
    {% if is_incremental() -%}
        and {{ started_on_or_after_first_refreshed_day('job_runs', 'refresh_costs') }}
        and {{ in_refresh_plan('job_runs', 'refresh_costs') }}
    {%- endif %}

),

workflow_runs as (

    -- each workflow run of the day, with when its first job started
    select
        usage_date,
        org_id,
        project_id,
        pipeline_id,
        workflow_name,
        workflow_id,
        max(branch) as branch,
        max(trigger_source) as trigger_source,
        max(trigger_user_id) as trigger_user_id,
        min(job_run_started_at) as first_job_started_at,
        sum(total_credits - user_credits) as usage_credits

    from job_runs
    group by usage_date, org_id, project_id, pipeline_id, workflow_name, workflow_id

),

workflow_runs_ranked as (

    -- the first run of a pipeline's workflow is the original, later ones are re-runs
    select
        *,
        row_number() over (
            partition by usage_date, org_id, project_id, pipeline_id, workflow_name
            order by first_job_started_at, workflow_id
        ) > 1 as is_rerun

    from workflow_runs

),

branch_pipelines as (

    -- the pipelines each trigger user started on each branch, schedules left out
    select
        usage_date,
        org_id,
        project_id,
        branch,
        trigger_user_id,
        count(distinct pipeline_id) as pipelines

    from workflow_runs
    where trigger_source is distinct from 'scheduled_pipeline'
    group by usage_date, org_id, project_id, branch, trigger_user_id

),

busiest_branches as (

    select
        usage_date,
        org_id,
        project_id,
        branch as busiest_branch,
        pipelines as busiest_branch_pipelines

    from branch_pipelines
    qualify row_number() over (
        partition by usage_date, org_id, project_id
        order by pipelines desc, branch, trigger_user_id
    ) = 1

),

project_days as (

    select
        usage_date,
        org_id,
        project_id,
        count(distinct pipeline_id) as pipelines,
        count(*) as workflow_runs,
        sum(case when is_rerun then 1 else 0 end) as rerun_workflow_runs,
        sum(usage_credits) as usage_credits,
        sum(case when is_rerun then usage_credits else 0 end) as rerun_credits

    from workflow_runs_ranked
    group by usage_date, org_id, project_id

),

final as (

    select
        project_days.usage_date,
        project_days.org_id,
        project_days.project_id,
        project_days.pipelines,
        project_days.workflow_runs,
        project_days.rerun_workflow_runs,
        project_days.usage_credits,
        project_days.rerun_credits,
        busiest_branches.busiest_branch,
        coalesce(busiest_branches.busiest_branch_pipelines, 0) as busiest_branch_pipelines

    from project_days
    left join busiest_branches
        on project_days.usage_date = busiest_branches.usage_date
        and project_days.org_id = busiest_branches.org_id
        and project_days.project_id = busiest_branches.project_id

)

select * from final
