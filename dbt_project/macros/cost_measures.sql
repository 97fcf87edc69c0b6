{#
  The additive measures of the cost marts (agg_daily_costs, agg_monthly_costs, and the marts
  later issues add): row and run counts, seconds, credits and cost by type and in total, the
  cost of failed runs and the list-price cost.

  cost_measures():     their names, in mart column order.
  sum_cost_measures(): their aggregates over rows of fct_job_run_costs, for a GROUP BY.

  sum_daily_cost_measures(): the same totals over rows of agg_daily_costs (a sum of sums, so
                       a month is exactly the sum of its days), with the types of
                       sum_cost_measures().

  The conservation tests re-derive the same measures from fct_job_run_costs on their own
  (fct_conservation_expressions), so a mistake here cannot hide behind itself.
#}
{% macro cost_measures() %}
    {%- set measures = ['usage_rows', 'job_runs', 'failed_job_runs', 'job_run_seconds'] -%}
    {%- for credit_type in credit_types() + ['total'] -%}
        {%- do measures.append(credit_type ~ '_credits') -%}
    {%- endfor -%}
    {%- for credit_type in credit_types() + ['total'] -%}
        {%- do measures.append(credit_type ~ '_cost') -%}
    {%- endfor -%}
    {%- do measures.extend(['failed_job_runs_cost', 'list_price_cost']) -%}
    {{ return(measures) }}
{% endmacro %}

{% macro sum_cost_measures() -%}
        count(*) as usage_rows,
        count(job_id) as job_runs,
        sum(case when is_failed then 1 else 0 end) as failed_job_runs,
        coalesce(sum(job_run_seconds), 0) as job_run_seconds,
        {% for credit_type in credit_types() + ['total'] -%}
        sum({{ credit_type }}_credits) as {{ credit_type }}_credits,
        {% endfor -%}
        {% for credit_type in credit_types() + ['total'] -%}
        sum({{ credit_type }}_cost) as {{ credit_type }}_cost,
        {% endfor -%}
        coalesce(sum(case when is_failed then total_cost end), 0) as failed_job_runs_cost,
        sum(list_price_cost) as list_price_cost
{%- endmacro %}

{% macro sum_daily_cost_measures() -%}
    {%- for measure in cost_measures() %}
        {% if measure in ('usage_rows', 'job_runs') -%}
        cast(sum({{ measure }}) as {{ dbt.type_bigint() }}) as {{ measure }}
        {%- else -%}
        sum({{ measure }}) as {{ measure }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
