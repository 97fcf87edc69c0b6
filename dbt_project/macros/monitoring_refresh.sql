{#
  How a routine run keeps the monitoring day tables (int_anomaly_volatility,
  int_anomaly_baselines, int_anomaly_run_costs, int_anomaly_days_scored) small as the history
  grows: int_anomaly_refresh_days lists, for each org, every day from the first one on which
  anything those tables read has changed; each of them replaces exactly those org-days
  (incremental_strategy='replace_partitions', refresh_partitions='int_anomaly_refresh_days')
  and reads its inputs from that first day minus the reach of its windows. A day's row
  depends only on that day and the days before it, so the days before the first changed one
  are what a full build gives (tests/dbt/test_incremental.py compares every table with a
  full refresh).
#}


{#
  Every var the anomaly method reads: a change of any of them rebuilds the monitoring day
  tables whole (tests/dbt/test_incremental.py checks that every anomaly_* var of
  dbt_project.yml is listed here).
#}
{% macro anomaly_var_names() -%}
    {{ return([
        'anomaly_baseline_weeks', 'anomaly_min_history_days', 'anomaly_score_threshold',
        'anomaly_min_change_pct', 'anomaly_min_amount', 'anomaly_score_floor_pct',
        'anomaly_tail_quantile_pct', 'anomaly_min_org_day_pct', 'anomaly_org_day_min_projects',
        'anomaly_run_cost_days', 'anomaly_run_cost_threshold', 'anomaly_run_cost_min_pct',
        'anomaly_run_cost_min_runs', 'anomaly_rerun_min_reruns', 'anomaly_rerun_min_share_pct',
        'anomaly_loop_min_pipelines', 'anomaly_loop_factor', 'anomaly_quiet_pct',
        'anomaly_quiet_days', 'anomaly_continue_pct', 'anomaly_confirm_rises',
        'anomaly_max_gap_days', 'anomaly_severity_medium_amount', 'anomaly_severity_high_amount',
    ]) }}
{%- endmacro %}


{#
  A hash of what the monitoring day tables depend on besides the scope-days: the anomaly vars
  and the company's off days (seeds/calendar.csv: day and org). int_anomaly_days_scored keeps
  it on every row; int_anomaly_refresh_days rebuilds every day where it differs.
#}
{% macro monitoring_fingerprint() -%}
    {%- set settings = [] -%}
    {%- for name in anomaly_var_names() -%}
        {%- do settings.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {%- set off_day = "cast(calendar_date as " ~ dbt.type_string() ~ ") || '@' || coalesce(org_id, '*')" -%}
    {{ dbt.hash(dbt.concat([
        "'" ~ (settings | join(';') | replace("'", "''")) ~ "|'",
        "coalesce((select " ~ dbt.listagg(off_day, "','", 'order by ' ~ off_day)
            ~ " from " ~ ref('stg_seeds__calendar') ~ "), '')",
    ])) }}
{%- endmacro %}


{#
  The condition "row `alias` (with org_id and usage_date) lies on or after its org's first
  day in int_anomaly_refresh_days, less `days` days": the rows a rebuilt day's windows read.
  A plain range on the date comes first, as in on_listed_org_days.
#}
{% macro within_reach_of_monitoring_refresh(alias, days) -%}
    {%- set listed = ref('int_anomaly_refresh_days') -%}
    (
        {{ alias }}.usage_date >= (
            select cast({{ dbt.dateadd('day', -1 * days, 'min(refresh_days.usage_date)') }} as date)
            from {{ listed }} as refresh_days
        )
        and {{ alias }}.usage_date >= (
            select cast({{ dbt.dateadd('day', -1 * days, 'min(refresh_days.usage_date)') }} as date)
            from {{ listed }} as refresh_days
            where refresh_days.org_id = {{ alias }}.org_id
        )
    )
{%- endmacro %}
