{#
  For singular tests whose failing rows carry a readable `problem` column.

  dbt reports only "Got N results" for a failing test. When a test runs (dbt test / dbt build),
  this macro runs the test's query first and logs every `problem`, so the console names the
  offending rows without a trip to the database. It returns the query for dbt to count; when
  that first run found no problem, it returns the query under an always-false filter (the
  same answer, zero rows, without a second pass over the data, which the database skips), so
  a passing test reads its data once.
  Tests using it must only return rows when something is wrong.
#}
{% macro report_problems(query, limit=50) %}
    {%- if execute and flags.WHICH in ('test', 'build') -%}
        {%- set result = run_query('select problem from (' ~ query ~ ') as problems limit ' ~ (limit + 1)) -%}
        {%- for row in result.rows[:limit] -%}
            {{ log('PROBLEM [' ~ model.name ~ '] ' ~ row[0], info=true) }}
        {%- endfor -%}
        {%- if result.rows | length > limit -%}
            {{ log('PROBLEM [' ~ model.name ~ '] ... and more: run the test query to see them all', info=true) }}
        {%- endif -%}
        {%- if result.rows | length == 0 -%}
            {{ return('select * from (' ~ query ~ ') as checked_without_problems where 1 = 0') }}
        {%- endif -%}
    {%- endif -%}
    {{ query }}
{% endmacro %}
