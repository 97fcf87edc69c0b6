-- Every row of shared_costs.csv can be applied: a source team, a method (even or
-- proportional), a start and no end before it, and target teams (if listed) that can receive
-- cost: not `unallocated`, at most 100 names.
{% set problems %}
with

policies as (

    select * from {{ ref('stg_seeds__shared_costs') }}

),

listed_targets as (

    select * from {{ ref('stg_seeds__shared_cost_targets') }}

),

unallocated_targets as (

    select distinct policy_key
    from listed_targets
    where lower(target_team) = {{ unallocated_team() }}

),

checks as (

    select
        policies.*,
        case
            when policies.source_team is null then 'has no source_team'
            when policies.method_as_written is null
                then 'has no method: give even or proportional'
            when policies.method not in ('even', 'proportional')
                then 'has method "' || policies.method_as_written || '": give even or proportional'
            when policies.effective_from is null
                then 'has no effective_from: give the first day (UTC) the policy applies'
            when policies.effective_until < policies.effective_from
                then 'ends (effective_until) before it starts (effective_from)'
            when unallocated_targets.policy_key is not null
                then 'lists unallocated among its target_teams: unallocated only holds usage no rule matches'
            when {{ dbt.length('policies.target_teams_as_written') }}
                - {{ dbt.length(dbt.replace("replace(policies.target_teams_as_written, ',', ';')", "';'", "''")) }}
                >= 100
                then 'lists more than 100 target teams'
        end as failure

    from policies
    left join unallocated_targets
        on policies.policy_key = unallocated_targets.policy_key

)

select
    'shared_costs.csv policy ' || {{ shared_cost_policy_label('checks') }} || ' ' || failure
        as problem,
    policy_key

from checks
where failure is not null
{% endset %}
{{ report_problems(problems) }}
