/*
  fct_job_run_costs: one row per usage row of the CircleCI export, priced.

  Guarantees (each one tested):
  - every raw usage row appears exactly once (assert_fct_job_run_costs_has_every_raw_row_once);
  - every row carries a price: a usage day without one fails assert_every_usage_day_has_a_credit_price
    and the build stops before this model;
  - total_cost = total_credits x price_per_credit exactly, on every row; costs are unrounded
    DECIMAL(38, 18), so sums downstream are exact and round only when shown;
  - money columns are in the row's `currency` (list_price_cost in `list_price_currency`).

  Incremental (delete+insert on usage_row_id): each run re-reads only the org-days
  int_refresh_plan flags refresh_costs: new days, history loaded late (a resumed backfill),
  the last var('incremental_lookback_days') days before the newest day built (CircleCI can
  still change them; the loader re-exports them), org-days whose raw rows (count or credits)
  or price changed (an edited credit_prices.csv) and, should the pricing vars change, all.
  A raw row changed outside those days without changing its org-day's count or credits is
  caught by assert_fct_job_run_costs_has_every_raw_row_once when the whole history is tested
  (var full_history_tests); `dbt build --full-refresh` rebuilds all.
*/

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='usage_row_id',
        on_schema_change='fail',
        refresh_flag='refresh_costs',
    )
}}

-- depends_on: {{ ref('int_refresh_plan') }}

with

priced_job_runs as (

    select * from {{ ref('int_job_runs_priced') }}

),

rows_to_reread as (

    select * from priced_job_runs
    {% if is_incremental() -%}
    where {{ started_on_or_after_first_refreshed_day('priced_job_runs', 'refresh_costs') }}
        and {{ in_refresh_plan('priced_job_runs', 'refresh_costs') }}
    {%- endif %}

),

final as (

    select
        -- keys and time (UTC)
        usage_row_id,
        usage_date,
        job_run_date,
        job_run_started_at,
        job_run_stopped_at,
        is_job_run,

        -- dimensions
        org_id,
        org_name,
        project_id,
        project_name,
        vcs_url,
        branch,
        pipeline_id,
        pipeline_number,
        trigger_source,
        workflow_id,
        workflow_name,
        job_id,
        job_name,
        job_run_number,
        job_status,
        is_failed,
        resource_class,
        executor,
        operating_system,
        parallelism,
        job_run_seconds,

        -- credits (unit: CircleCI credits)
        {% for credit_type in credit_types() -%}
        {{ credit_type }}_credits,
        {% endfor -%}
        total_credits,

        -- the price applied and where it came from
        price_per_credit,
        currency,
        price_key,
        is_org_price,
        price_note,

        -- cost (in `currency`)
        {% for credit_type in credit_types() -%}
        {{ credit_type }}_cost,
        {% endfor -%}
        total_cost,

        -- the same credits at CircleCI's list price (in `list_price_currency`)
        list_price_per_credit,
        list_price_currency,
        list_price_cost,
        savings_vs_list_price

    from rows_to_reread

)

select * from final
