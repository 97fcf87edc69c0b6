{#
  The median of an expression over a group: percentile_cont(0.5), the standard SQL spelling
  (DuckDB, Postgres, Snowflake, BigQuery's approximate cousins aside). Averages the two middle
  values of an even count.
#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'circleci_costs')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}


{#
  The sum of the squares of an exact credits column (DECIMAL(38, 9)), as a double: squared and
  summed in exact decimals, so the result does not depend on the order the rows are added in.
#}
{% macro sum_of_squares(credits) -%}
    cast(sum({{ credits }} * {{ credits }}) as double precision)
{%- endmacro %}
