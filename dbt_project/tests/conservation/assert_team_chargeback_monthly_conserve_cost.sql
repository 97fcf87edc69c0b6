-- team_chargeback_monthly must add up to fct_job_run_costs for every month and currency,
-- exactly: total cost and credits; the parts rules placed (direct + split) alone; and the
-- shared cost received to what was given (received + given = 0). The fact's side is summed
-- from agg_daily_costs, checked against the fact for every org-day it rebuilds
-- (assert_agg_daily_costs_conserve_cost), so a month sums days, not job runs. A routine run
-- checks the months holding an org-day it rebuilt; full_history_tests checks all of them.
{% set expected %}
select
    cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
    currency,
    total_cost,
    total_credits,
    total_cost as rule_placed_cost,
    total_credits as rule_placed_credits,
    0 as shared_cost_net,
    0 as shared_credits_net
from {{ ref('agg_daily_costs') }} as daily
where {{ day_month_checked_in_this_run('daily.usage_date', 'refresh_team_costs') }}
{% endset %}
{% set actual %}
select
    usage_month,
    currency,
    total_cost,
    total_credits,
    direct_cost + split_cost as rule_placed_cost,
    direct_credits + split_credits as rule_placed_credits,
    shared_cost_received + shared_cost_given as shared_cost_net,
    shared_credits_received + shared_credits_given as shared_credits_net
from {{ ref('team_chargeback_monthly') }} as chargeback
where {{ month_checked_in_this_run('chargeback.usage_month', 'refresh_team_costs') }}
{% endset %}
{{ report_problems(compare_sums(
    expected, actual, ['usage_month', 'currency'],
    ['total_cost', 'total_credits', 'rule_placed_cost', 'rule_placed_credits',
     'shared_cost_net', 'shared_credits_net'],
    'agg_daily_costs', 'team_chargeback_monthly'
)) }}
