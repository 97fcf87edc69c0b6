/*
  agg_daily_costs: one row per UTC day x org x project x workflow x job x resource class.

  Guarantees (tested): for every org and day, the sums here equal fct_job_run_costs exactly
  (assert_agg_daily_costs_conserve_cost), so to the cent; the grain is unique (daily_cost_key).
  Sums of unrounded decimals: round only when showing a figure. Org-level rows (seat credits)
  have NULL project, workflow, job and resource class, and count as no job run.
  Workflows and jobs are grouped by name (their ids are per run); orgs and projects by id, with
  their name beside (max() of the names seen that day, should a rename fall inside it).
*/

with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }}

),

daily as (

    select
        usage_date,
        org_id,
        project_id,
        workflow_name,
        job_name,
        resource_class,
        currency,
        list_price_currency,

        max(org_name) as org_name,
        max(project_name) as project_name,

        count(*) as usage_rows,
        count(job_id) as job_runs,
        sum(case when is_failed then 1 else 0 end) as failed_job_runs,
        coalesce(sum(job_run_seconds), 0) as job_run_seconds,

        {% for credit_type in credit_types() -%}
        sum({{ credit_type }}_credits) as {{ credit_type }}_credits,
        {% endfor -%}
        sum(total_credits) as total_credits,

        {% for credit_type in credit_types() -%}
        sum({{ credit_type }}_cost) as {{ credit_type }}_cost,
        {% endfor -%}
        sum(total_cost) as total_cost,
        coalesce(sum(case when is_failed then total_cost end), 0) as failed_job_runs_cost,
        sum(list_price_cost) as list_price_cost

    from job_run_costs
    group by
        usage_date,
        org_id,
        project_id,
        workflow_name,
        job_name,
        resource_class,
        currency,
        list_price_currency

),

final as (

    select
        {{ surrogate_key([
            'usage_date', 'org_id', 'project_id', 'workflow_name', 'job_name', 'resource_class'
        ]) }} as daily_cost_key,
        usage_date,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        job_name,
        resource_class,
        usage_rows,
        job_runs,
        failed_job_runs,
        job_run_seconds,
        {% for credit_type in credit_types() -%}
        {{ credit_type }}_credits,
        {% endfor -%}
        total_credits,
        currency,
        {% for credit_type in credit_types() -%}
        {{ credit_type }}_cost,
        {% endfor -%}
        total_cost,
        failed_job_runs_cost,
        list_price_currency,
        list_price_cost

    from daily

)

select * from final
