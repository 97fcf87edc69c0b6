/*
  One row per org x project x workflow x job x executor x resource class with at least
  var('rightsizing_min_runs') job runs in the right-sizing period: runs, measured runs, seconds,
  credits and cost, and the p50 and p95 over its runs of each run's median and max CPU and RAM
  use, in % of the class (as the export gives them) and as vCPUs and GiB of the class
  (resource_classes.csv). Percentiles skip runs without utilisation (NULL: CircleCI samples
  every 15 s, so short jobs have none); they are NULL when no run has any.

  A table rebuilt on every run (the period moves every day): int_rightsizing_class_choice
  and int_resource_class_rates both read it, so the period's job runs are read once. It
  reads the var('rightsizing_lookback_days') days of the period only, never the history
  before them.
*/

{{ config(materialized='table') }}

with

job_runs as (

    select * from {{ ref('int_rightsizing_job_runs') }}

),

resource_classes as (

    select * from {{ ref('stg_seeds__resource_classes') }}

),

per_job as (

    select
        org_id,
        project_id,
        workflow_name,
        job_name,
        executor,
        resource_class,
        currency,
        max(org_name) as org_name,
        max(project_name) as project_name,
        min(period_start) as period_start,
        max(period_end) as period_end,
        count(*) as job_runs,
        count(max_cpu_utilization_pct) as measured_job_runs,
        sum(job_run_seconds) as job_run_seconds,
        sum(compute_credits) as compute_credits,
        sum(total_credits) as total_credits,
        sum(compute_cost) as compute_cost,
        sum(total_cost) as total_cost,
        quantile_cont(median_cpu_utilization_pct, 0.5) as p50_median_cpu_pct,
        quantile_cont(median_cpu_utilization_pct, 0.95) as p95_median_cpu_pct,
        quantile_cont(max_cpu_utilization_pct, 0.5) as p50_max_cpu_pct,
        quantile_cont(max_cpu_utilization_pct, 0.95) as p95_max_cpu_pct,
        quantile_cont(median_ram_utilization_pct, 0.5) as p50_median_ram_pct,
        quantile_cont(median_ram_utilization_pct, 0.95) as p95_median_ram_pct,
        quantile_cont(max_ram_utilization_pct, 0.5) as p50_max_ram_pct,
        quantile_cont(max_ram_utilization_pct, 0.95) as p95_max_ram_pct

    from job_runs
    group by org_id, project_id, workflow_name, job_name, executor, resource_class, currency
    having count(*) >= {{ var('rightsizing_min_runs') | int }}

),

final as (

    select
        per_job.*,
        resource_classes.vcpus,
        resource_classes.ram_gib,
        per_job.p50_median_cpu_pct / 100 * resource_classes.vcpus as p50_median_cpu_vcpus,
        per_job.p95_median_cpu_pct / 100 * resource_classes.vcpus as p95_median_cpu_vcpus,
        per_job.p50_max_cpu_pct / 100 * resource_classes.vcpus as p50_max_cpu_vcpus,
        per_job.p95_max_cpu_pct / 100 * resource_classes.vcpus as p95_max_cpu_vcpus,
        per_job.p50_median_ram_pct / 100 * resource_classes.ram_gib as p50_median_ram_gib,
        per_job.p95_median_ram_pct / 100 * resource_classes.ram_gib as p95_median_ram_gib,
        per_job.p50_max_ram_pct / 100 * resource_classes.ram_gib as p50_max_ram_gib,
        per_job.p95_max_ram_pct / 100 * resource_classes.ram_gib as p95_max_ram_gib

    from per_job
    left join resource_classes
        on per_job.executor = resource_classes.executor
        and per_job.resource_class = resource_classes.resource_class

)

select * from final
