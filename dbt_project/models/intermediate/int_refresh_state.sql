/*
  int_refresh_state: one row per org-day with usage, the fingerprints of the inputs the marts
  now show (see int_refresh_plan, which the next run compares them with).

  Built last: it depends on every mart, so in `dbt build` it is skipped when a model or a
  test before it fails, and the next run rebuilds (and checks) the same org-days again. A
  partial run (`--select`) leaves it alone for the same reason.
*/

{{ config(materialized='table') }}

-- depends_on: {{ ref('fct_job_run_costs') }}
-- depends_on: {{ ref('agg_daily_costs') }}
-- depends_on: {{ ref('agg_monthly_costs') }}
-- depends_on: {{ ref('int_job_runs_allocated') }}
-- depends_on: {{ ref('int_team_costs_redistributed') }}
-- depends_on: {{ ref('fct_team_costs_daily') }}
-- depends_on: {{ ref('team_chargeback_monthly') }}
-- depends_on: {{ ref('int_scope_days_summed') }}
-- depends_on: {{ ref('cost_daily_series') }}
-- depends_on: {{ ref('cost_anomalies') }}
-- depends_on: {{ ref('budget_status_monthly') }}

select
    org_id,
    usage_date,
    usage_rows,
    total_credits,
    price_key,
    price_per_credit,
    currency,
    price_note,
    pricing_vars,
    team_rules_fingerprint,
    shared_costs_fingerprint

from {{ ref('int_refresh_plan') }}
