/*
  fct_job_run_costs: one row per usage row of the CircleCI export, priced.

  Guarantees (each one tested):
  - every raw usage row appears exactly once (assert_fct_job_run_costs_has_every_raw_row_once);
  - every row carries a price: a usage day without one fails assert_every_usage_day_has_a_credit_price
    and the build stops before this model;
  - total_cost = total_credits x price_per_credit exactly, on every row; costs are unrounded
    DECIMAL(38, 18), so sums downstream are exact and round only when shown;
  - money columns are in the row's `currency` (list_price_cost in `list_price_currency`).

  Incremental (delete+insert on usage_row_id). Each run re-reads
  - the last `incremental_lookback_days` days before the newest day already here (CircleCI can
    still change them; the loader re-exports them),
  - any org-day that is not here yet (history loaded after newer days: a resumed backfill),
  - any org-day whose price changed since it was priced (an edited credit_prices.csv).
  A row changed in the raw table outside those days (a manual re-load of old windows) is caught
  by assert_fct_job_run_costs_has_every_raw_row_once; `dbt build --full-refresh` rebuilds all.
*/

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='usage_row_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_org_days_priced') }}

with

priced_job_runs as (

    select * from {{ ref('int_job_runs_priced') }}

),

{% if is_incremental() %}

current_org_day_prices as (

    select * from {{ ref('int_org_days_priced') }}

),

already_priced_org_days as (

    select
        org_id,
        usage_date,
        price_key,
        price_per_credit,
        currency

    from {{ this }}
    group by org_id, usage_date, price_key, price_per_credit, currency

),

lookback as (

    select
        cast({{ dbt.dateadd('day', -1 * var('incremental_lookback_days') | int, 'max(usage_date)') }} as date)
            as first_reread_date

    from {{ this }}

),

org_days_to_read as (

    -- the lookback days, the days not here yet, and the days whose price changed
    select
        current_org_day_prices.org_id,
        current_org_day_prices.usage_date

    from current_org_day_prices
    cross join lookback
    left join already_priced_org_days
        on current_org_day_prices.org_id = already_priced_org_days.org_id
        and current_org_day_prices.usage_date = already_priced_org_days.usage_date
    where current_org_day_prices.usage_date >= lookback.first_reread_date
        or already_priced_org_days.org_id is null
        or current_org_day_prices.price_key is distinct from already_priced_org_days.price_key
        or current_org_day_prices.price_per_credit is distinct from already_priced_org_days.price_per_credit
        or current_org_day_prices.currency is distinct from already_priced_org_days.currency

),

rows_to_reread as (

    select priced_job_runs.*

    from priced_job_runs
    inner join org_days_to_read
        on priced_job_runs.org_id = org_days_to_read.org_id
        and priced_job_runs.usage_date = org_days_to_read.usage_date

),

{% else %}

rows_to_reread as (

    select * from priced_job_runs

),

{% endif %}

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
