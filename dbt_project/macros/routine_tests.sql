{#
  Data tests check what the run rebuilt, unless the whole history is asked for:
  `--vars '{full_history_tests: true}'`, or any `--full-refresh` run. A first build rebuilds,
  and so checks, every org-day (pytest's builds start from empty databases or use
  --full-refresh); a daily `dbt build` checks the org-days it rebuilt (every other row was
  checked when it was built and has not changed since).
#}
{% macro full_history_tests() -%}
    {{ return(var('full_history_tests', false) in (true, 'true', 'True', 1) or flags.FULL_REFRESH) }}
{%- endmacro %}


{#
  For singular tests: the condition "row `alias` is checked by this run": always true when
  the whole history is checked, else in_refresh_plan(alias, flag). Always calls ref() (the
  test runs after int_refresh_plan in a build, and the dependency does not depend on flags).
#}
{% macro checked_in_this_run(alias, flag) -%}
    {%- set routine = in_refresh_plan(alias, flag) -%}
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
  Generic tests (not_null, unique, relationships, ...) on a model with a `refresh_flag` read
  only the rows of this run's org-days in a routine run. A uniqueness test reads every row
  whose first tested value appears on such an org-day, whatever its day, so a duplicate of a
  rebuilt row is found even on a day the run did not touch. A test configured with
  meta: {full_history_only: true} reads nothing in a routine run (where another test covers
  what it checks for the rows the run rebuilt). Overrides dbt's
  get_where_subquery (which applies a test's `where` config, still honoured here).
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') if execute else none -%}
    {%- set flag = tested.config.get('refresh_flag') if tested else none -%}
    {%- set conditions = [where] if where else [] -%}
    {%- set meta = config.get('meta') -%}
    {%- if meta is mapping and meta.get('full_history_only') and not full_history_tests() -%}
        {#- a test the routine runs leave to another one (see where it is configured) -#}
        {%- do conditions.append('1 = 0') -%}
    {%- endif -%}
    {%- if flag and not full_history_tests() -%}
        {%- set plan_node = graph.nodes['model.circleci_costs.int_refresh_plan'] -%}
        {%- set in_plan -%}
            exists (
                select 1 from {{ plan_node.relation_name }} as refresh_plan
                where refresh_plan.{{ flag }}
                    and refresh_plan.org_id = rebuilt.org_id
                    and refresh_plan.usage_date = rebuilt.usage_date
            )
        {%- endset -%}
        {%- set test_name = model.test_metadata.name if model.test_metadata else '' -%}
        {%- set kwargs = model.test_metadata.kwargs if model.test_metadata else {} -%}
        {%- if test_name == 'unique' -%}
            {%- set key = kwargs.get('column_name') -%}
        {%- elif test_name == 'unique_combination_of_columns' -%}
            {%- set key = kwargs.get('combination_of_columns')[0] -%}
        {%- else -%}
            {%- set key = none -%}
        {%- endif -%}
        {%- if key -%}
            {%- do conditions.append(key ~ ' in (select ' ~ key ~ ' from ' ~ relation ~ ' as rebuilt where ' ~ in_plan ~ ')') -%}
        {%- else -%}
            {%- do conditions.append(in_plan) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' as rebuilt where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
