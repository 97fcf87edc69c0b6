-- int_anomaly_pipeline_days.usage_credits must add up, for every org, day and project, to the
-- non-seat credits of fct_job_run_costs' started job runs with a pipeline (total_credits -
-- user_credits), exactly; and its re-runs are a part of them (0 <= rerun_credits <=
-- usage_credits, rerun_workflow_runs < workflow_runs, pipelines <= workflow_runs,
-- busiest_branch_pipelines <= pipelines). A routine run checks the org-days it rebuilt;
-- full_history_tests checks all of them.
{% set expected %}
select usage_date, org_id, project_id, total_credits - user_credits as usage_credits
from {{ ref('fct_job_run_costs') }} as fct
where fct.job_run_started_at is not null
    and fct.project_id is not null
    and fct.pipeline_id is not null
    and {{ checked_in_this_run('fct', 'refresh_costs') }}
{% endset %}
{% set actual %}
select usage_date, org_id, project_id, usage_credits
from {{ ref('int_anomaly_pipeline_days') }} as pipeline_days
where {{ checked_in_this_run('pipeline_days', 'refresh_costs') }}
{% endset %}
{% set parts %}
select
    'project ' || project_id || ' of org ' || org_id || ' on '
        || cast(usage_date as {{ dbt.type_string() }})
        || ' has re-runs or pipelines that are not a part of its own' as problem
from {{ ref('int_anomaly_pipeline_days') }} as pipeline_days
where {{ checked_in_this_run('pipeline_days', 'refresh_costs') }}
    and not (
        rerun_credits >= 0
        and rerun_credits <= usage_credits
        and rerun_workflow_runs < workflow_runs
        and pipelines <= workflow_runs
        and busiest_branch_pipelines <= pipelines
    )
{% endset %}
{% set sums = compare_sums(
    expected, actual, ['usage_date', 'org_id', 'project_id'], ['usage_credits'],
    'fct_job_run_costs', 'int_anomaly_pipeline_days'
) %}
{{ report_problems('select problem from (' ~ sums ~ ') as sums union all ' ~ parts) }}
