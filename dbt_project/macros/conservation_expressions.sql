{#
  For the conservation tests: the measures of cost_measures() derived on their own from rows
  of fct_job_run_costs (one usage row each), independently of sum_cost_measures(), which the
  marts use.
#}
{% macro fct_conservation_expressions() %}
    {%- set expressions = [] -%}
    {%- for measure in cost_measures() -%}
        {%- if measure == 'failed_job_runs_cost' -%}
            {%- do expressions.append('case when is_failed then total_cost else 0 end as failed_job_runs_cost') -%}
        {%- elif measure == 'usage_rows' -%}
            {%- do expressions.append('1 as usage_rows') -%}
        {%- elif measure == 'job_runs' -%}
            {%- do expressions.append('case when is_job_run then 1 else 0 end as job_runs') -%}
        {%- elif measure == 'failed_job_runs' -%}
            {%- do expressions.append('case when is_failed then 1 else 0 end as failed_job_runs') -%}
        {%- else -%}
            {%- do expressions.append(measure) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(expressions | join(',\n        ')) }}
{% endmacro %}
