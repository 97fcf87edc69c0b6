/*
  int_anomaly_refresh_days: one row per org and UTC day whose rows the monitoring day tables
  (int_anomaly_volatility, int_anomaly_baselines, int_anomaly_run_costs,
  int_anomaly_days_scored) replace this run: every day of the org from the first one on
  which anything they read changed since they were last built (macros/monitoring_refresh.sql).
  A daily build lists the last few days, whatever the length of the history.

  A scope-day of int_scope_days_filled changes only
  - on an org-day int_refresh_plan rebuilds for the team costs (every org-day whose costs
    were rebuilt, which int_scope_days_summed replaces), and on the days after it that carry
    its price forward; a project's re-runs and pipelines (int_anomaly_reruns,
    int_anomaly_pipeline_loops) also change only there;
  - where its scope's life or names change: a scope's rows are the contiguous days of its
    life and carry its latest names, so each scope is compared with the rows
    int_anomaly_days_scored was last built from by its first and last day and its names. A
    scope that is new, gone, renamed or starts on another day is rebuilt from its first day
    (a renamed project rebuilds its org's history); one that ends on another day, from the
    day after the earlier end (a new day adds one row to every live scope);
  - when the anomaly vars or the company calendar change (monitoring_fingerprint(), kept on
    every row of int_anomaly_days_scored): every day.
  An org's first changed day is the earliest of these. Every day is listed on the first
  build, on --full-refresh, and when var anomaly_baseline_weeks or anomaly_run_cost_days is
  16 or more: DuckDB adds a window's doubles in an order that depends on where the rows start
  from 16 rows on, so a day rebuilt from the weeks before it could differ in the last digit
  from the same day built with the whole history.

  A table rebuilt on every run; it reads int_anomaly_days_scored as last built (not through
  ref(): that table reads this one), so a run that fails before that table is built leaves
  the comparison as it was and the next run rebuilds the same days again.
*/

{{ config(materialized='table') }}

-- depends_on: {{ ref('int_refresh_plan') }}
-- depends_on: {{ ref('stg_seeds__calendar') }}

{%- set scored_node = graph.nodes.get('model.' ~ project_name ~ '.int_anomaly_days_scored') if execute else none -%}
{%- set scored = adapter.get_relation(
    database=scored_node.database, schema=scored_node.schema, identifier=scored_node.alias
) if scored_node else none -%}
{%- set rebuild_all = flags.FULL_REFRESH or scored is none
    or 'monitoring_fingerprint' not in (adapter.get_columns_in_relation(scored) | map(attribute='name') | list)
    or baseline_weeks() >= 16 or var('anomaly_run_cost_days') | int >= 16 -%}
{%- set names = [
    'scope_type', 'org_name', 'project_id', 'project_name', 'workflow_name', 'resource_class',
    'team_name', 'scope_name',
] -%}
{%- set scope_columns = (['scope_key', 'org_id', 'usage_date'] + names) | join(', ') %}

with

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

{% if scored is not none %}

built as (

    select * from {{ scored }}

),

{% endif %}

{% if rebuild_all %}

changed_days as (

    select org_id, usage_date from filled
    {%- if scored is not none %}
    union all
    select org_id, usage_date from built
    {%- endif %}

),

{% else %}

refresh_plan as (

    select * from {{ ref('int_refresh_plan') }}

),

scope_rows as (

    -- every scope's rows now, and as int_anomaly_days_scored was last built
    select true as is_current, {{ scope_columns }}, {{ monitoring_fingerprint() }} as monitoring_fingerprint
    from filled
    union all
    select false as is_current, {{ scope_columns }}, monitoring_fingerprint
    from built

),

scope_versions as (

    -- each scope's life (its rows are the contiguous days of it) and names, now and as built
    select
        is_current,
        scope_key,
        org_id,
        min(usage_date) as first_date,
        max(usage_date) as last_date,
        {%- for name in names %}
        max({{ name }}) as {{ name }},
        {%- endfor %}
        max(monitoring_fingerprint) as monitoring_fingerprint

    from scope_rows
    group by is_current, scope_key, org_id

),

current_scopes as (

    select * from scope_versions where is_current

),

built_scopes as (

    select * from scope_versions where not is_current

),

changed_scopes as (

    select
        coalesce(current_scopes.org_id, built_scopes.org_id) as org_id,
        case
            when current_scopes.scope_key is null or built_scopes.scope_key is null
                or current_scopes.first_date <> built_scopes.first_date
                or current_scopes.monitoring_fingerprint <> built_scopes.monitoring_fingerprint
                {%- for name in names %}
                or current_scopes.{{ name }} is distinct from built_scopes.{{ name }}
                {%- endfor %}
                then least(
                    coalesce(current_scopes.first_date, built_scopes.first_date),
                    coalesce(built_scopes.first_date, current_scopes.first_date)
                )
            when current_scopes.last_date <> built_scopes.last_date
                then cast({{ dbt.dateadd(
                    'day', 1, 'least(current_scopes.last_date, built_scopes.last_date)'
                ) }} as date)
        end as first_changed_date

    from current_scopes
    full outer join built_scopes
        on current_scopes.scope_key = built_scopes.scope_key

),

changed_days as (

    select org_id, first_changed_date as usage_date
    from changed_scopes
    where first_changed_date is not null
    union all
    select org_id, usage_date from refresh_plan where refresh_team_costs

),

{% endif %}

first_changed_days as (

    select
        org_id,
        min(usage_date) as first_changed_date

    from changed_days
    group by org_id

),

org_days as (

    -- the days to replace: with rows now, or with rows to remove
    select filled.org_id, filled.usage_date
    from filled
    inner join first_changed_days
        on filled.org_id = first_changed_days.org_id
        and filled.usage_date >= first_changed_days.first_changed_date
    {%- if scored is not none %}
    union all
    select built.org_id, built.usage_date
    from built
    inner join first_changed_days
        on built.org_id = first_changed_days.org_id
        and built.usage_date >= first_changed_days.first_changed_date
    {%- endif %}

),

final as (

    select distinct
        org_id,
        usage_date

    from org_days

)

select * from final
