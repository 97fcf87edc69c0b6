/*
  int_anomaly_pipeline_loops: one row per project scope and UTC day of int_scope_days_filled:
  the pipelines of the project's busiest branch that day, against the most one branch had on
  a day of its own weeks before (the method: models/marts/monitoring/anomalies.md, "pipeline
  loops").

  A pipeline loop is a job that pushes a commit (a version bump, a changelog, a tag) to the
  branch it built, with a credential whose pushes trigger CI: every pipeline starts the
  next, on that one branch, until someone stops it (public reports: a release workflow that
  pushed 119 bump commits, brtkwr.com/posts/2026-05-09-how-a-tidy-refactor-caused-a-release-loop;
  a bump re-triggering its workflow every 15 to 20 seconds,
  github.com/skyflowapi/skyflow-java/pull/377; about 800 builds in a night,
  blog.markhepburn.com/posts/github-and-infinite-builds). People push to many branches and
  a branch gets a handful of pipelines a day; a loop piles dozens onto one, which a busy
  project's noisy day total hides.

  Guarantees:
  - One row per project scope and day of int_scope_days_filled (unique on scope_key and
    usage_date): a window over its rows, which are contiguous days.
  - usual_busiest_branch_pipelines: the most pipelines one branch had on a day of the
    var('anomaly_baseline_weeks') weeks before (0 when none).
  - loop_extra_cost: the pipelines of the busiest branch beyond that usual most, at the day's
    credits per pipeline, priced at the day's price (in the scope's currency).
  - is_pipeline_loop exactly when the busiest branch had at least
    var('anomaly_loop_min_pipelines') pipelines and var('anomaly_loop_factor') times its
    usual most, and loop_extra_cost passes var('anomaly_min_amount')
    (test_monitoring_method.py: pipeline_loop_is_found_on_its_branch).

  A table rebuilt on every run: it reads scope-days and project-days (one row per scope or
  project and UTC day), never the job runs (docs/performance.md).
*/

{%- set weeks = baseline_weeks() -%}
{%- set min_pipelines = var('anomaly_loop_min_pipelines') | int -%}
{%- set factor = var('anomaly_loop_factor') | float -%}
{%- if min_pipelines < 1 or factor <= 1 -%}
    {{ exceptions.raise_compiler_error(
        "anomaly_loop_min_pipelines must be at least 1 and anomaly_loop_factor above 1 (got "
        ~ min_pipelines ~ ", " ~ factor ~ ")") }}
{%- endif %}

{{ config(materialized='table') }}

with

project_days as (

    select * from {{ ref('int_anomaly_project_days') }}

),

day_pipelines as (

    select
        *,
        usage_credits / nullif(pipelines, 0) as credits_per_pipeline

    from project_days

),

usual_branches as (

    select
        *,
        coalesce(max(busiest_branch_pipelines) over weeks_before, 0)
            as usual_busiest_branch_pipelines

    from day_pipelines
    window weeks_before as (
        partition by scope_key order by usage_date
        rows between {{ 7 * weeks }} preceding and 1 preceding
    )

),

final as (

    select
        scope_key,
        usage_date,
        pipelines,
        busiest_branch,
        busiest_branch_pipelines,
        usual_busiest_branch_pipelines,
        greatest(busiest_branch_pipelines - usual_busiest_branch_pipelines, 0)
            * coalesce(credits_per_pipeline, 0)
            * cast(price_per_credit as double precision) as loop_extra_cost,
        busiest_branch_pipelines >= {{ min_pipelines }}
            and busiest_branch_pipelines >= {{ factor }} * usual_busiest_branch_pipelines
            and greatest(busiest_branch_pipelines - usual_busiest_branch_pipelines, 0)
                * coalesce(credits_per_pipeline, 0)
                * cast(price_per_credit as double precision) >= {{ var('anomaly_min_amount') }}
            as is_pipeline_loop

    from usual_branches

)

select * from final
