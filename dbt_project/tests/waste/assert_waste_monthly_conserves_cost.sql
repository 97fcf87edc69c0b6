-- waste_monthly adds up to fct_job_run_costs for every org, month and currency, exactly: its
-- total cost, its failed runs' cost and its canceled runs' cost; and waste_cost is the sum of
-- its kinds, never more than the total. A routine run checks the org-months holding an
-- org-day whose costs or allocation it rebuilt (no other month's sums can change);
-- full_history_tests checks all of them.
{% set expected %}
select
    cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
    org_id,
    currency,
    total_cost,
    case when is_job_run and is_failed then total_cost else 0 end as failed_cost,
    case when is_job_run and not is_failed and job_status = 'canceled' then total_cost else 0 end
        as canceled_cost
from {{ ref('fct_job_run_costs') }} as fct
where {{ day_month_checked_in_this_run('fct.usage_date', 'refresh_allocation', 'fct.org_id') }}
{% endset %}
{% set actual %}
select usage_month, org_id, currency, total_cost, failed_cost, canceled_cost
from {{ ref('waste_monthly') }} as waste
where {{ month_checked_in_this_run('waste.usage_month', 'refresh_allocation', 'waste.org_id') }}
{% endset %}
{% set problems %}
with

sums as (

    {{ compare_sums(
        expected, actual, ['usage_month', 'org_id', 'currency'],
        ['total_cost', 'failed_cost', 'canceled_cost'], 'fct_job_run_costs', 'waste_monthly'
    ) }}

),

kinds as (

    select
        'waste_monthly row ' || waste_key || ' has waste_cost ' || cast(waste_cost as varchar)
            || ', not failed + canceled + duplicate_rerun cost within its total ' || cast(total_cost as varchar)
            as problem
    from {{ ref('waste_monthly') }}
    where waste_cost <> failed_cost + canceled_cost + duplicate_rerun_cost
        or (total_cost >= 0 and waste_cost > total_cost)

)

select problem from sums
union all
select problem from kinds
{% endset %}
{{ report_problems(problems) }}
