-- Each row of rightsizing_recommendations costs exactly what fct_job_run_costs says its job
-- runs of the period cost: the same credits and money, nothing lost or counted twice.
{% set expected %}
select
    recommendations.rightsizing_key,
    recommendations.currency,
    fct.total_credits,
    fct.compute_cost,
    fct.total_cost,
    1 as job_runs
from {{ ref('rightsizing_recommendations') }} as recommendations
inner join {{ ref('fct_job_run_costs') }} as fct
    on fct.org_id = recommendations.org_id
    and fct.project_id is not distinct from recommendations.project_id
    and fct.workflow_name is not distinct from recommendations.workflow_name
    and fct.job_name is not distinct from recommendations.job_name
    and fct.executor = recommendations.executor
    and fct.resource_class = recommendations.resource_class
    and fct.currency = recommendations.currency
    and fct.usage_date between recommendations.period_start and recommendations.period_end
    and fct.is_job_run
{% endset %}
{% set actual %}
select rightsizing_key, currency, total_credits, compute_cost, total_cost, job_runs
from {{ ref('rightsizing_recommendations') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['rightsizing_key', 'currency'],
    ['total_credits', 'compute_cost', 'total_cost', 'job_runs'],
    'fct_job_run_costs', 'rightsizing_recommendations'
)) }}
