/*
  int_anomaly_component_days: one row per UTC day x org x project x workflow x job x resource
  class with usage other than seats: the components a scope's cost is made of, which the
  anomaly drill-down (int_anomaly_component_changes) compares with their own baselines.

  Guarantees:
  - Sums agg_daily_costs (seat credits left out, as in the series), exact credits; a
    component-day whose credits sum to zero is left out.
  - component_key identifies org, project, workflow, job and resource class; it is unique
    per day (unique_combination_of_columns on component_key and usage_date).
  - An incremental table: every row sums one org-day of agg_daily_costs, so a run replaces
    the org-days int_refresh_plan flags refresh_costs and keeps the others
    (test_incremental.py compares it with a full refresh).
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

daily_costs as (

    select * from {{ ref('agg_daily_costs') }} as daily_costs
    {% if is_incremental() -%}
    where {{ in_refresh_plan('daily_costs') }}
    {%- endif %}

),

final as (

    select
        {{ surrogate_key(['org_id', 'project_id', 'workflow_name', 'job_name', 'resource_class']) }}
            as component_key,
        usage_date,
        org_id,
        project_id,
        max(project_name) as project_name,
        workflow_name,
        job_name,
        resource_class,
        sum(total_credits - user_credits) as usage_credits

    from daily_costs
    group by usage_date, org_id, project_id, workflow_name, job_name, resource_class
    having sum(total_credits - user_credits) <> 0

)

select * from final
