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
  The median of a list's values, NULLs left out: DuckDB's median aggregate, the same
  quantile as median() above, applied to a list (such as a window's `list(...)`: a window
  cannot take percentile_cont's WITHIN GROUP). NULL for an empty or NULL list.
#}
{% macro list_median(list_expression) -%}
    list_aggregate({{ list_expression }}, 'median')
{%- endmacro %}


{#
  var('anomaly_baseline_weeks') as a number, checked: every model that reads the weeks of a
  baseline reads them here, so a value below 1 stops whichever of them a build compiles.
#}
{% macro baseline_weeks() -%}
    {%- set weeks = var('anomaly_baseline_weeks') | int -%}
    {%- if weeks < 1 -%}
        {{ exceptions.raise_compiler_error(
            "anomaly_baseline_weeks must be at least 1 (got " ~ var('anomaly_baseline_weeks') ~ ")") }}
    {%- endif -%}
    {{ return(weeks) }}
{%- endmacro %}


{#
  The window frame "the same weekday 1 .. var('anomaly_baseline_weeks') weeks before", over
  rows that are contiguous days of one scope (int_scope_days_filled's): a scope's rows of one
  weekday are its weeks in order, so the N rows before a row of that weekday are those weeks,
  and fewer at the start of the scope's life. For a WINDOW clause.
#}
{% macro same_weekdays_before(partition_by='scope_key', date_column='usage_date') -%}
    partition by {{ partition_by }}, isodow({{ date_column }}) order by {{ date_column }}
    rows between {{ baseline_weeks() }} preceding and 1 preceding
{%- endmacro %}


{#
  The sum of the squares of an exact credits column (DECIMAL(38, 9)), as a double: squared and
  summed in exact decimals, so the result does not depend on the order the rows are added in.
#}
{% macro sum_of_squares(credits) -%}
    cast(sum({{ credits }} * {{ credits }}) as double precision)
{%- endmacro %}


{#
  The standard normal distribution's `pct` % point (its quantile), to read a tail quantile of
  departures as a standard deviation: a normal distribution has its 90 % point at 1.2816
  standard deviations. Looked up at compile time (Jinja has no inverse of the normal
  distribution, nor has DuckDB) for the percentages a quantile var is set to; any other
  stops the build with the list.
#}
{% macro normal_quantile(pct, var_name) -%}
    {%- set points = {75.0: 0.6745, 80.0: 0.8416, 85.0: 1.0364, 90.0: 1.2816, 95.0: 1.6449,
                      97.5: 1.9600, 99.0: 2.3263} -%}
    {%- set key = pct | float -%}
    {%- if key not in points -%}
        {{ exceptions.raise_compiler_error(
            var_name ~ " must be one of 75, 80, 85, 90, 95, 97.5 or 99 (got " ~ pct ~ ")") }}
    {%- endif -%}
    {{ points[key] }}
{%- endmacro %}
