{#
  How a routine run stays small as the history grows (see int_refresh_plan).

  int_refresh_plan lists every org-day with usage and, for each, whether this run rebuilds it
  for the costs (fct_job_run_costs, agg_daily_costs), the team allocation
  (int_job_runs_allocated) and the team costs (int_shared_cost_edges,
  int_shared_cost_shares, int_team_costs_redistributed, fct_team_costs_daily,
  int_scope_days_summed; whole org-months, because shared costs are apportioned by the
  month). Each incremental model names its flag in its config
  (`refresh_flag`), reads only the flagged org-days of its inputs and replaces exactly those
  org-days in its table (incremental_strategy='replace_partitions', below).
#}


{#
  The condition "the row `alias` lies on an org-day this run rebuilds for `flag`", for a
  WHERE clause. `alias` has org_id and usage_date, or the columns named by `org_column` and
  `date_column` (a mart with public column names, such as FOCUS's, says which in its config:
  refresh_org_column, refresh_date_column). Calls ref(), so a model that uses it inside an
  is_incremental() block declares `-- depends_on: {{ ref('int_refresh_plan') }}`.
#}
{% macro in_refresh_plan(alias, flag=none, org_column='org_id', date_column='usage_date') -%}
    {%- set flag = flag or config.get('refresh_flag') -%}
    {%- if flag not in ('refresh_costs', 'refresh_allocation', 'refresh_team_costs') -%}
        {{ exceptions.raise_compiler_error("in_refresh_plan: unknown flag " ~ flag) }}
    {%- endif -%}
    {%- set flagged_days -%}
        (select org_id, usage_date from {{ ref('int_refresh_plan') }} where {{ flag }})
    {%- endset -%}
    {{ on_listed_org_days(alias, flagged_days, org_column, date_column) }}
{%- endmacro %}


{#
  The condition "the row `alias` lies on an org-day listed in `days`" (a relation, CTE or
  parenthesised query with org_id and usage_date, such as int_waste_refresh_days), for a
  WHERE clause. `alias` has org_id and usage_date, or the columns named by `org_column` and
  `date_column`.
#}
{% macro on_listed_org_days(alias, days, org_column='org_id', date_column='usage_date') -%}
    (
        -- a plain range on the date first: DuckDB checks it while it scans that column,
        -- before it reads the others (five times faster than the join alone on a table of
        -- 8 million rows); the join then keeps exactly the listed org-days
        {{ alias }}.{{ date_column }} >= (select min(listed.usage_date) from {{ days }} as listed)
        and exists (
            select 1 from {{ days }} as listed
            where listed.org_id = {{ alias }}.{{ org_column }}
                and listed.usage_date = {{ alias }}.{{ date_column }}
        )
    )
{%- endmacro %}


{#
  For a model reading raw rows (through stg_circleci__job_runs), a condition on the raw
  timestamps that the database can check while scanning, before it works out each row's
  usage_date: "usage_date is on or after the first day int_refresh_plan flags for `flag`"
  (a row's usage_date is the UTC day of job_run_started_at, else its job_run_date). It only
  prunes what in_refresh_plan() would drop anyway; the first day is looked up when the model
  runs.
#}
{% macro started_on_or_after_first_refreshed_day(alias, flag) -%}
    {%- if not execute -%}
        1 = 1
    {%- else -%}
        {%- set first_day = run_query(
            'select min(usage_date) from ' ~ ref('int_refresh_plan') ~ ' where ' ~ flag
        ).columns[0].values()[0] -%}
        {%- if first_day is none -%}
            1 = 0 /* no org-day to rebuild */
        {%- else -%}
            ({{ alias }}.job_run_started_at >= cast('{{ first_day }} 00:00:00+00:00' as timestamp with time zone)
                or ({{ alias }}.job_run_started_at is null
                    and {{ alias }}.job_run_date >= cast('{{ first_day }}' as date)))
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#
  incremental_strategy='replace_partitions': delete+insert of whole org-days. Deletes every
  row of the org-days int_refresh_plan flags for the model's `refresh_flag` (or, where the
  model names one in `refresh_partitions`, of the org-days listed in that model, one row per
  org_id and usage_date), then inserts the model's new rows for them. Unlike delete+insert
  on a unique_key, an org-day that now has no rows at all (a shared-cost policy that no longer
  moves anything that month) is emptied too, and the delete never joins the new rows to the
  old ones (an org-day holds thousands of rows on both sides). A custom incremental strategy
  in dbt's sense (get_incremental_<name>_sql).
#}
{% macro get_incremental_replace_partitions_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set org_column = config.get('refresh_org_column', 'org_id') -%}
    {%- set date_column = config.get('refresh_date_column', 'usage_date') -%}
    {%- set partitions = config.get('refresh_partitions') -%}
    delete from {{ target }}
    where
    {%- if partitions %} {{ on_listed_org_days(target, ref(partitions), org_column, date_column) }};
    {%- else %} {{ in_refresh_plan(target, org_column=org_column, date_column=date_column) }};
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}


{#
  True when `reader`, an incremental model, runs incrementally (its table exists and the run is
  not a --full-refresh), exactly as the reader's own is_incremental() decides. For an ephemeral
  model compiled into its reader, whose own is_incremental() dbt evaluates for the ephemeral
  node, not for the reader: it then reads only the org-days its reader rebuilds, and every row
  on a full build. For a list only its reader reads (int_waste_refresh_days): it skips work the
  reader will not use.
#}
{% macro reader_is_incremental(reader) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ reader) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("reader_is_incremental: no model " ~ reader) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias
    ) -%}
    {{ return(relation is not none and relation.is_table and not flags.FULL_REFRESH) }}
{%- endmacro %}
