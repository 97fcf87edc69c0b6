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
  it is none) holds an org-day this run rebuilds for `flag`". Given `date_column`, the day of
  the row that `month_expression` truncates, a plain range on it comes first, as in
  on_listed_org_days: DuckDB skips the older row groups of a long table while it scans.
#}
{% macro month_checked_in_this_run(month_expression, flag, org_expression=none, date_column=none) -%}
    {%- set plan = ref('int_refresh_plan') -%}
    {%- if full_history_tests() -%}
        1 = 1
    {%- else -%}
        {%- if date_column %}
        {{ date_column }} >= (
            select min(refresh_plan.usage_month) from {{ plan }} as refresh_plan
            where refresh_plan.{{ flag }}
        )
        and {% endif -%}
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
