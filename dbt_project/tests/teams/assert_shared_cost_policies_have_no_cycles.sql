{#
  No shared-cost policy sends a team's cost back to that team: not directly (the source team
  among its own target_teams) and not through other policies in force on the same days
  (platform -> sre, and a policy sharing out sre that lists platform). Cost going round would
  never settle. Chains are allowed (a listed target that is itself shared out passes its part
  on) up to shared_cost_max_chain() policies deep; a deeper chain is reported too.
  Only listed targets can close a loop: a blank target_teams never includes a team that a
  policy shares out that day.
#}
{% set max_chain = shared_cost_max_chain() %}
{% set problems %}
with

policies as (

    select * from {{ ref('stg_seeds__shared_costs') }}
    where source_team is not null
        and method in ('even', 'proportional')
        and effective_from is not null
        and (effective_until is null or effective_until >= effective_from)

),

listed_targets as (

    select * from {{ ref('stg_seeds__shared_cost_targets') }}

),

step_1 as (

    -- where each policy sends its source team's cost, and on which days
    select
        policies.policy_key as origin_policy_key,
        {{ shared_cost_policy_label('policies') }} as origin_label,
        policies.source_team as origin_team,
        listed_targets.target_team as team,
        policies.source_team || ' -> ' || listed_targets.target_team as path,
        policies.effective_from as days_from,
        policies.effective_until as days_until

    from policies
    inner join listed_targets
        on policies.policy_key = listed_targets.policy_key

),

{% for step in range(2, max_chain + 2) %}
step_{{ step }} as (

    -- a team reached that another policy shares out on some of the same days passes it on
    select
        reached.origin_policy_key,
        reached.origin_label,
        reached.origin_team,
        listed_targets.target_team as team,
        reached.path || ' -> ' || listed_targets.target_team as path,
        case when reached.days_from > policies.effective_from
            then reached.days_from else policies.effective_from
        end as days_from,
        case
            when reached.days_until is null then policies.effective_until
            when policies.effective_until is null then reached.days_until
            when reached.days_until < policies.effective_until then reached.days_until
            else policies.effective_until
        end as days_until

    from step_{{ step - 1 }} as reached
    inner join policies
        on reached.team = policies.source_team
        and (reached.days_until is null or policies.effective_from <= reached.days_until)
        and (policies.effective_until is null or reached.days_from <= policies.effective_until)
    inner join listed_targets
        on policies.policy_key = listed_targets.policy_key
    where reached.team <> reached.origin_team

),
{% endfor %}

cycles as (

    {% for step in range(1, max_chain + 2) %}
    select
        origin_policy_key,
        'shared_costs.csv policy ' || origin_label || ' sends the cost of ' || origin_team
            || ' back to ' || origin_team || ' (' || path || ')'
            || ' from ' || cast(days_from as {{ dbt.type_string() }})
            || ' until ' || coalesce(cast(days_until as {{ dbt.type_string() }}), 'open')
            || ': a team cannot receive its own shared cost; remove it from the target_teams on the way'
            as problem
    from step_{{ step }}
    where team = origin_team
    union all
    {% endfor %}

    select
        origin_policy_key,
        'shared_costs.csv policy ' || origin_label || ' starts a chain of more than'
            || ' {{ max_chain }} policies (' || path || ')'
            || ': list the final teams directly' as problem
    from step_{{ max_chain + 1 }}
    where team <> origin_team

)

select distinct problem, origin_policy_key from cycles
{% endset %}
{{ report_problems(problems) }}
