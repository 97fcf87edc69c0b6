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
*/

with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }}

),

ordered as (

    select
        usage_row_id,
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

    from job_run_costs

),

final as (

    select
        usage_row_id,
        case
            when not is_job_run then null
            when is_failed then 'failed'
            when job_status = 'canceled' then 'canceled'
            when earlier_successes > 0 then 'duplicate_rerun'
        end as waste_kind

    from ordered

)

select * from final
