-- Each shared-cost policy hands on all of its source team's cost: on every day and org where
-- it moves anything, the fractions int_shared_cost_shares gives its receiving teams add up to
-- 1 (within double precision). The cumulative rounding of int_team_costs_redistributed gives
-- the last receiver whatever is left, so a share that did not add up would pass the money's
-- conservation tests unnoticed. A routine run checks the org-days it rebuilt;
-- full_history_tests checks all of them.
{% set problems %}
select
    'shared-cost policy ' || shared_cost_policy || ' in org ' || org_id || ' on '
    || cast(usage_date as {{ dbt.type_string() }}) || ' hands on '
    || cast(sum(fraction) as {{ dbt.type_string() }}) || ' of the cost of '
    || source_team || ', not 1' as problem

from {{ ref('int_shared_cost_shares') }} as shares
where {{ checked_in_this_run('shares', 'refresh_team_costs') }}
group by usage_date, org_id, currency, shared_cost_policy, source_team
having abs(sum(fraction) - 1) > 1e-9
{% endset %}
{{ report_problems(problems) }}
