/*
  One row per cloud FOCUS charge (stg_focus__charges) with the team cloud_team_rules.csv
  gives it: among the rules in force on the charge's UTC day whose patterns all match
  (provider, sub-account id or name, service, tag key and value glob), the lowest priority
  wins (ties: the lowest rule_id); a charge no rule matches goes to `unallocated`. A charge is
  never split, so the teams' cloud cost adds up to the charges exactly.
*/

with

charges as (

    select * from {{ ref('stg_focus__charges') }}

),

rules as (

    select
        *,
        {{ glob_to_like('provider') }} as provider_like,
        {{ glob_to_like('sub_account') }} as sub_account_like,
        {{ glob_to_like('service') }} as service_like,
        {{ glob_to_like('tag_value') }} as tag_value_like

    from {{ ref('stg_seeds__cloud_team_rules') }}
    where rule_id is not null and team is not null and priority is not null
        and effective_from is not null

),

matches as (

    select
        charges.charge_key,
        rules.rule_id,
        rules.team,
        row_number() over (
            partition by charges.charge_key order by rules.priority, rules.rule_id
        ) as precedence

    from charges
    inner join rules
        on {{ matches_like_pattern('charges.provider_name', 'rules.provider_like') }}
        and (
            {{ matches_like_pattern('charges.sub_account_id', 'rules.sub_account_like') }}
            or {{ matches_like_pattern('charges.sub_account_name', 'rules.sub_account_like') }}
        )
        and {{ matches_like_pattern('charges.service_name', 'rules.service_like') }}
        and (
            rules.tag_key is null
            or (
                json_extract_string(charges.tags, rules.tag_key) is not null
                and {{ matches_like_pattern('json_extract_string(charges.tags, rules.tag_key)', 'rules.tag_value_like') }}
            )
        )
        and charges.charge_date >= rules.effective_from
        and (rules.effective_until is null or charges.charge_date <= rules.effective_until)

),

final as (

    select
        charges.*,
        coalesce(matches.team, {{ unallocated_team() }}) as team,
        matches.rule_id as team_rule_id

    from charges
    left join matches
        on charges.charge_key = matches.charge_key
        and matches.precedence = 1

)

select * from final
