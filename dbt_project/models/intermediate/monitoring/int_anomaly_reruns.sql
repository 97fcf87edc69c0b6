/*
  int_anomaly_reruns: one row per project scope and UTC day of int_scope_days_filled: the
  share of the project's job-run credits spent in re-run workflows that day, against the
  shares of its own weeks before (the method: models/marts/monitoring/anomalies.md,
  "re-runs").

  When a job turns flaky, people re-run the failed workflows, again and again: the day's
  cost grows by the re-runs, which a busy project's noisy number of runs hides. The share of
  its credits in re-runs is far steadier: a few percent on a usual day, half or more in a
  storm. The export tells a re-run apart (int_anomaly_pipeline_days).

  Guarantees:
  - One row per project scope and day of int_scope_days_filled (unique on scope_key and
    usage_date): a window over its rows, which are contiguous days.
  - rerun_share = rerun_credits / usage_credits of int_anomaly_pipeline_days (NULL on a day
    without job runs); the usual (median) and highest shares are over the days of the
    var('anomaly_baseline_weeks') weeks before with job runs.
  - rerun_extra_cost: the re-run credits beyond the usual share of the day's credits, priced
    at the day's price (in the scope's currency).
  - is_rerun_storm exactly when the day has at least var('anomaly_rerun_min_reruns') re-run
    workflow runs (one re-run of a small project's long workflow is a lump, not a storm), its
    re-run share passes var('anomaly_rerun_min_share_pct') % and the highest share
    of the weeks before, and rerun_extra_cost passes var('anomaly_min_amount')
    (test_monitoring_method.py: rerun_storm_is_found_by_its_reruns).

  A table rebuilt on every run: it reads scope-days and project-days (one row per scope or
  project and UTC day), never the job runs (docs/performance.md).
*/

{%- set weeks = baseline_weeks() -%}
{%- set min_reruns = var('anomaly_rerun_min_reruns') | int -%}
{%- set min_share = var('anomaly_rerun_min_share_pct') | float / 100 -%}
{%- if min_reruns < 1 or min_share <= 0 or min_share >= 1 -%}
    {{ exceptions.raise_compiler_error(
        "anomaly_rerun_min_reruns must be at least 1 and anomaly_rerun_min_share_pct between 0 "
        ~ "and 100 (got " ~ min_reruns ~ ", " ~ min_share * 100 ~ ")") }}
{%- endif %}

{{ config(materialized='table') }}

with

project_days as (

    select * from {{ ref('int_anomaly_project_days') }}

),

day_shares as (

    select
        *,
        rerun_credits / nullif(usage_credits, 0) as rerun_share

    from project_days

),

usual_shares as (

    -- the shares of the days of the weeks before (NULL on a day without job runs)
    select
        *,
        median(rerun_share) over weeks_before as usual_rerun_share,
        max(rerun_share) over weeks_before as highest_rerun_share

    from day_shares
    window weeks_before as (
        partition by scope_key order by usage_date
        rows between {{ 7 * weeks }} preceding and 1 preceding
    )

),

final as (

    select
        scope_key,
        usage_date,
        workflow_runs,
        rerun_workflow_runs,
        rerun_share,
        usual_rerun_share,
        highest_rerun_share,
        (rerun_credits - coalesce(usual_rerun_share, 0) * usage_credits)
            * cast(price_per_credit as double precision) as rerun_extra_cost,
        coalesce(
            rerun_workflow_runs >= {{ min_reruns }}
            and rerun_share >= {{ min_share }}
            and rerun_share > coalesce(highest_rerun_share, 0)
            and (rerun_credits - coalesce(usual_rerun_share, 0) * usage_credits)
                * cast(price_per_credit as double precision) >= {{ var('anomaly_min_amount') }},
            false
        ) as is_rerun_storm

    from usual_shares

)

select * from final
