/*
  agg_daily_costs: one row per UTC day x org x project x workflow x job x resource class.

  Guarantees (tested): for every org and day, the sums here equal fct_job_run_costs exactly
  (assert_agg_daily_costs_conserve_cost), so to the cent; the grain is unique (daily_cost_key).
  Sums of unrounded decimals: round only when showing a figure. Org-level rows (seat credits)
  have NULL project, workflow, job and resource class, and count as no job run.
  Workflows and jobs are grouped by name (their ids are per run); orgs and projects by id, with
  their name beside (max() of the names seen that day, should a rename fall inside it).

  Incremental: each row sums the usage of one org-day, so a run replaces the org-days whose
  usage fct_job_run_costs re-read (int_refresh_plan.refresh_costs) and leaves the others as
  they are (replace_partitions: delete+insert by org-day).
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

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }} as job_run_costs
    {% if is_incremental() -%}
    where {{ in_refresh_plan('job_run_costs') }}
    {%- endif %}

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

        {{ sum_cost_measures() }}

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
        currency,
        list_price_currency,
        {{ cost_measures() | join(',\n        ') }}

    from daily

)

select * from final
