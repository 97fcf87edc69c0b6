/*
  int_anomaly_drivers: one row per anomaly episode with components: what drove it, found by
  drilling down through int_anomaly_component_changes: the project whose cost moved most in
  the episode's direction, then its workflow, then its job (with the resource class it ran
  on).

  Guarantees:
  - At most one row per episode (cost_anomalies' unique anomaly_id test would fail
    otherwise); ties go to the first name in order, so a rebuild picks the same driver.
  - driver_workflow_change_cost is the workflow's whole change, driver_job_change_cost the
    job's on that resource class, in the scope's currency, unrounded; a change can be of
    either sign (test_monitoring_method.py, one_day_spike_is_one_episode_with_its_impact;
    test_monitoring.py, test_runaway_is_one_episode_raised_by_its_second_day).
*/

with

component_changes as (

    select * from {{ ref('int_anomaly_component_changes') }}

),

component_days as (

    select * from {{ ref('int_anomaly_component_days') }}

),

project_changes as (

    select
        anomaly_id,
        project_id,
        sum(directed_change_cost) as directed_change_cost,
        row_number() over (
            partition by anomaly_id
            order by sum(directed_change_cost) desc, project_id
        ) as project_rank

    from component_changes
    group by anomaly_id, project_id

),

workflow_changes as (

    -- the workflows of each episode's driving project
    select
        component_changes.anomaly_id,
        component_changes.project_id,
        component_changes.workflow_name,
        sum(component_changes.change_cost) as change_cost,
        row_number() over (
            partition by component_changes.anomaly_id
            order by sum(component_changes.directed_change_cost) desc,
                component_changes.workflow_name
        ) as workflow_rank

    from component_changes
    inner join project_changes
        on component_changes.anomaly_id = project_changes.anomaly_id
        and component_changes.project_id is not distinct from project_changes.project_id
        and project_changes.project_rank = 1
    group by
        component_changes.anomaly_id,
        component_changes.project_id,
        component_changes.workflow_name

),

job_changes as (

    -- the jobs of each episode's driving workflow
    select
        component_changes.anomaly_id,
        component_changes.project_id,
        component_changes.workflow_name,
        component_changes.job_name,
        component_changes.resource_class,
        component_changes.currency,
        component_changes.change_cost,
        row_number() over (
            partition by component_changes.anomaly_id
            order by component_changes.directed_change_cost desc,
                component_changes.job_name,
                component_changes.resource_class
        ) as job_rank

    from component_changes
    inner join workflow_changes
        on component_changes.anomaly_id = workflow_changes.anomaly_id
        and component_changes.project_id is not distinct from workflow_changes.project_id
        and component_changes.workflow_name is not distinct from workflow_changes.workflow_name
        and workflow_changes.workflow_rank = 1

),

project_names as (

    select
        project_id,
        max(project_name) as project_name

    from component_days
    where project_id is not null
    group by project_id

),

final as (

    select
        job_changes.anomaly_id,
        job_changes.project_id as driver_project_id,
        project_names.project_name as driver_project_name,
        job_changes.workflow_name as driver_workflow_name,
        workflow_changes.change_cost as driver_workflow_change_cost,
        job_changes.job_name as driver_job_name,
        job_changes.resource_class as driver_resource_class,
        job_changes.change_cost as driver_job_change_cost,
        job_changes.currency

    from job_changes
    inner join workflow_changes
        on job_changes.anomaly_id = workflow_changes.anomaly_id
        and workflow_changes.workflow_rank = 1
    left join project_names
        on job_changes.project_id = project_names.project_id
    where job_changes.job_rank = 1

)

select * from final
