/*
  int_refresh_inputs: one row per org and UTC day with usage, with the fingerprint of
  everything its figures depend on: its raw rows (how many, how many credits), its credit
  price (row, price, currency, note), the pricing vars (failed_job_statuses, list price),
  and the team_rules.csv and shared_costs.csv rows in force that day. int_refresh_plan
  compares it with int_refresh_state (the fingerprints the marts were last built with).

  Guarantees:
  - One row per org-day of int_org_days_priced (unique_combination_of_columns).
  - A team rule's last day matters on a day only as far as it groups the rule's rows into
    periods, and a policy's last day only decides that it is in force: a period ended later
    (a re-organisation from a date on) changes no fingerprint before that date
    (test_incremental.py: a re-organisation rebuilds the days from its date on).
*/

{%- set pricing_vars = 'failed_job_statuses=' ~ (var('failed_job_statuses') | join(','))
    ~ ';list_price=' ~ var('list_price_per_credit') ~ ' ' ~ var('list_price_currency') %}

with

org_days as (

    select * from {{ ref('int_org_days_priced') }}

),

days as (

    select distinct usage_date from org_days

),

team_rules_in_force as (

    -- the rules in force each day (a row without dates counts as always in force); a row's
    -- last day matters that day only as far as it groups the rule's rows into periods, so a
    -- period ended later (a re-organisation from a date on) changes nothing before that date
    select
        days.usage_date,
        team_rules.*,
        dense_rank() over (
            partition by days.usage_date, team_rules.rule_id order by team_rules.effective_until
        ) as period_in_day

    from days
    inner join {{ ref('team_rules') }} as team_rules
        on (team_rules.effective_from is null or team_rules.effective_from <= days.usage_date)
        and (team_rules.effective_until is null or days.usage_date <= team_rules.effective_until)

),

team_rules_by_day as (

    select
        usage_date,
        {{ dbt.hash(dbt.listagg('row_hash', "'|'", 'order by row_hash')) }} as fingerprint

    from (
        select
            usage_date,
            {{ surrogate_key([
                'rule_id', 'priority', 'team', 'org_id', 'project', 'workflow', 'job',
                'branch', 'share_pct', 'effective_from', 'period_in_day'
            ]) }} as row_hash
        from team_rules_in_force
    ) as rows_in_force
    group by usage_date

),

shared_costs_by_day as (

    -- the policies in force each day; a policy's last day only decides that it is
    select
        days.usage_date,
        {{ dbt.hash(dbt.listagg('shared_costs.row_hash', "'|'", 'order by shared_costs.row_hash')) }}
            as fingerprint

    from days
    inner join (
        select
            effective_from,
            effective_until,
            {{ surrogate_key(['source_team', 'method', 'target_teams', 'effective_from']) }}
                as row_hash
        from {{ ref('shared_costs') }}
    ) as shared_costs
        on (shared_costs.effective_from is null or shared_costs.effective_from <= days.usage_date)
        and (shared_costs.effective_until is null or days.usage_date <= shared_costs.effective_until)
    group by days.usage_date

),

final as (

    select
        org_days.org_id,
        org_days.usage_date,
        cast({{ dbt.date_trunc('month', 'org_days.usage_date') }} as date) as usage_month,
        org_days.usage_rows,
        org_days.total_credits,
        org_days.price_key,
        org_days.price_per_credit,
        org_days.currency,
        org_days.price_note,
        cast('{{ pricing_vars }}' as {{ dbt.type_string() }}) as pricing_vars,
        team_rules_by_day.fingerprint as team_rules_fingerprint,
        shared_costs_by_day.fingerprint as shared_costs_fingerprint

    from org_days
    left join team_rules_by_day
        on org_days.usage_date = team_rules_by_day.usage_date
    left join shared_costs_by_day
        on org_days.usage_date = shared_costs_by_day.usage_date

)

select * from final
