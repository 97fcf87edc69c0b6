{#
  Singular data tests check what the run rebuilt, unless the whole history is asked for:
  `--vars '{full_history_tests: true}'`, or any `--full-refresh` run. A first build rebuilds,
  and so checks, every org-day (pytest's builds start from empty databases or use
  --full-refresh); a daily `dbt build` checks the org-days it rebuilt (every other row was
  checked when it was built and has not changed since). Generic tests (not_null, unique, ...)
  are dbt's own and read every row, as a dbt user expects.
#}
{% macro full_history_tests() -%}
    {{ return(var('full_history_tests', false) in (true, 'true', 'True', 1) or flags.FULL_REFRESH) }}
{%- endmacro %}


{#
  For singular tests: the condition "row `alias` is checked by this run": always true when
  the whole history is checked, else in_refresh_plan(alias, flag), on the columns
  `org_column` and `date_column` of `alias` (a FOCUS mart names them in FOCUS's words).
  Always calls ref() (the test runs after int_refresh_plan in a build, and the dependency
  does not depend on flags).
#}
{% macro checked_in_this_run(alias, flag, org_column='org_id', date_column='usage_date') -%}
    {%- set routine = in_refresh_plan(alias, flag, org_column, date_column) -%}
    {%- if full_history_tests() -%}
        1 = 1
    {%- else -%}
        {{ routine }}
    {%- endif -%}
{%- endmacro %}


{#
  The same by month: "month `month_expression` of the org `org_expression` (or of any org when
  it is none) holds an org-day this run rebuilds for `flag`".
#}
{% macro month_checked_in_this_run(month_expression, flag, org_expression=none) -%}
    {%- set plan = ref('int_refresh_plan') -%}
    {%- if full_history_tests() -%}
        1 = 1
    {%- else -%}
        exists (
            select 1 from {{ plan }} as refresh_plan
            where refresh_plan.{{ flag }}
                and refresh_plan.usage_month = {{ month_expression }}
                {%- if org_expression %}
                and refresh_plan.org_id = {{ org_expression }}
                {%- endif %}
        )
    {%- endif -%}
{%- endmacro %}


{#
  The same for a row of days: "the month of day `date_column` (of the org `org_expression`) is
  checked by this run". A plain range on the day comes first, as in on_listed_org_days: DuckDB
  skips the row groups of a long table older than the first month the run rebuilt while it
  scans.
#}
{% macro day_month_checked_in_this_run(date_column, flag, org_expression=none) -%}
    {%- set month = 'cast(' ~ dbt.date_trunc('month', date_column) ~ ' as date)' -%}
    {%- if full_history_tests() -%}
        1 = 1
    {%- else -%}
        {{ date_column }} >= (
            select min(refresh_plan.usage_month) from {{ ref('int_refresh_plan') }} as refresh_plan
            where refresh_plan.{{ flag }}
        )
        and {{ month_checked_in_this_run(month, flag, org_expression) }}
    {%- endif -%}
{%- endmacro %}
