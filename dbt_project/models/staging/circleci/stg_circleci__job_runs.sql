with

source as (

    select * from {{ source('circleci_raw', 'usage_job_runs') }}

),

renamed as (

    select
        -- keys
        cast(usage_row_id as {{ dbt.type_string() }}) as usage_row_id,
        cast(job_id as {{ dbt.type_string() }}) as job_id,

        -- organization and project
        cast(organization_id as {{ dbt.type_string() }}) as org_id,
        cast(organization_name as {{ dbt.type_string() }}) as org_name,
        cast(organization_created_date as date) as org_created_date,
        cast(project_id as {{ dbt.type_string() }}) as project_id,
        cast(project_name as {{ dbt.type_string() }}) as project_name,
        cast(project_created_date as date) as project_created_date,
        last_build_finished_at as project_last_build_finished_at,
        cast(vcs_name as {{ dbt.type_string() }}) as vcs_name,
        cast(vcs_url as {{ dbt.type_string() }}) as vcs_url,
        cast(vcs_branch as {{ dbt.type_string() }}) as branch,

        -- pipeline
        cast(pipeline_id as {{ dbt.type_string() }}) as pipeline_id,
        pipeline_created_at,
        cast(pipeline_number as {{ dbt.type_bigint() }}) as pipeline_number,
        cast(is_unregistered_user as boolean) as is_unregistered_user,
        cast(pipeline_trigger_source as {{ dbt.type_string() }}) as trigger_source,
        cast(pipeline_trigger_user_id as {{ dbt.type_string() }}) as trigger_user_id,

        -- workflow
        cast(workflow_id as {{ dbt.type_string() }}) as workflow_id,
        cast(workflow_name as {{ dbt.type_string() }}) as workflow_name,
        workflow_first_job_queued_at,
        workflow_first_job_started_at,
        workflow_stopped_at,
        cast(is_workflow_successful as boolean) as is_workflow_successful,

        -- job run
        cast(job_name as {{ dbt.type_string() }}) as job_name,
        cast(job_run_number as {{ dbt.type_bigint() }}) as job_run_number,
        cast(job_run_date as date) as job_run_date,
        job_run_queued_at,
        job_run_started_at,
        job_run_stopped_at,
        cast(job_build_status as {{ dbt.type_string() }}) as job_status,
        cast(resource_class as {{ dbt.type_string() }}) as resource_class,
        cast(operating_system as {{ dbt.type_string() }}) as operating_system,
        cast(executor as {{ dbt.type_string() }}) as executor,
        cast(parallelism as {{ dbt.type_bigint() }}) as parallelism,
        cast(job_run_seconds as {{ dbt.type_bigint() }}) as job_run_seconds,
        cast(median_cpu_utilization_pct as double precision) as median_cpu_utilization_pct,
        cast(max_cpu_utilization_pct as double precision) as max_cpu_utilization_pct,
        cast(median_ram_utilization_pct as double precision) as median_ram_utilization_pct,
        cast(max_ram_utilization_pct as double precision) as max_ram_utilization_pct,

        -- the UTC day this row is priced on and reported under: the day the job run started,
        -- or, for rows that never started (org-level charges such as seats), the export's
        -- JOB_RUN_DATE
        coalesce({{ utc_date('job_run_started_at') }}, cast(job_run_date as date)) as usage_date,

        -- credits (unit: CircleCI credits, exact decimals)
        {% for credit_type in credit_types() -%}
        cast({{ credit_type }}_credits as {{ credits_type() }}) as {{ credit_type }}_credits,
        {% endfor -%}
        cast(total_credits as {{ credits_type() }}) as total_credits

    from source

)

select * from renamed
