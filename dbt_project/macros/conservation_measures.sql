{#
  The additive measures every cost mart must conserve against fct_job_run_costs:
  credits and cost by type and in total, list-price cost, failed-run cost, counts and seconds.
  `fct_expressions()` spells them at the grain of fct_job_run_costs (one usage row).
#}
{% macro conservation_measures() %}
    {%- set measures = [] -%}
    {%- for credit_type in credit_types() + ['total'] -%}
        {%- do measures.append(credit_type ~ '_credits') -%}
        {%- do measures.append(credit_type ~ '_cost') -%}
    {%- endfor -%}
    {%- do measures.extend([
        'list_price_cost', 'failed_job_runs_cost',
        'usage_rows', 'job_runs', 'failed_job_runs', 'job_run_seconds'
    ]) -%}
    {{ return(measures) }}
{% endmacro %}

{% macro fct_conservation_expressions() %}
    {%- set expressions = [] -%}
    {%- for measure in conservation_measures() -%}
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
