/*
  int_anomaly_org_days: one row per org and UTC day on which enough of its projects can be
  scored: how busy the whole org was that day against its projects' baselines (the method:
  models/marts/monitoring/anomalies.md, "busy days of the whole org").

  Some days are busy for everyone at once (a release week, a push before a deadline, an
  incident everyone re-runs pipelines for). A project that is as busy as the rest of its org
  that day is not an anomaly; one that is much busier than the rest is.

  Guarantees:
  - One row per org_id and usage_date (unique_combination_of_columns), only days with at
    least var('anomaly_org_day_min_projects') scorable projects whose expected cost passes
    var('anomaly_min_amount'): with fewer, one project's incident would be its org's day.
  - busy_factor is the median over those projects of (credits + 1) / (expected credits + 1),
    never below 1 and never above 2: it only widens the upper bound of a busy day
    (int_anomaly_days_scored), never narrows a bound, and a median of several projects is not
    moved by one project's incident.

  A table rebuilt on every run: it reads scope-days (one row per scope and UTC day), never
  the job runs, so a daily build's work here does not grow with them (docs/performance.md).
*/

{{ config(materialized='table') }}

with

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

baselines as (

    select * from {{ ref('int_anomaly_baselines') }}

),

project_ratios as (

    select
        filled.org_id,
        filled.usage_date,
        ln(
            (cast(filled.usage_credits as double precision) + 1)
            / (cast(baselines.expected_credits as double precision) + 1)
        ) as log_ratio

    from filled
    inner join baselines
        on filled.scope_key = baselines.scope_key
        and filled.usage_date = baselines.usage_date
    where filled.scope_type = 'project'
        and filled.history_days >= {{ var('anomaly_min_history_days') | int }}
        and baselines.expected_credits * filled.price_per_credit >= {{ var('anomaly_min_amount') }}

),

org_days as (

    select
        org_id,
        usage_date,
        count(*) as scored_projects,
        {{ median('log_ratio') }} as median_log_ratio

    from project_ratios
    group by org_id, usage_date

),

final as (

    select
        org_id,
        usage_date,
        scored_projects,
        least(greatest(exp(median_log_ratio), 1), 2) as busy_factor

    from org_days
    where scored_projects >= {{ var('anomaly_org_day_min_projects') | int }}

)

select * from final
