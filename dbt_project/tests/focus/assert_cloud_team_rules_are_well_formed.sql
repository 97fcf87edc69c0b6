-- Every row of cloud_team_rules.csv names a rule, a team other than `unallocated`, a whole
-- priority and a start date that is not after its end; a tag value needs a tag key.
{% set problems %}
select
    'cloud_team_rules.csv rule ' || coalesce(rule_id, '(no rule_id)') || ': ' || case
        when rule_id is null then 'rule_id is blank'
        when team is null then 'team is blank'
        when team = {{ unallocated_team() }} then 'the team `unallocated` is reserved'
        when priority is null then 'priority "' || coalesce(priority_as_written, '') || '" is not a whole number'
        when effective_from is null then 'effective_from is blank'
        when effective_until < effective_from then 'effective_until is before effective_from'
        when tag_value is not null and tag_key is null then 'tag_value needs a tag_key'
    end as problem
from {{ ref('stg_seeds__cloud_team_rules') }}
where rule_id is null
    or team is null
    or team = {{ unallocated_team() }}
    or priority is null
    or effective_from is null
    or effective_until < effective_from
    or (tag_value is not null and tag_key is null)
{% endset %}
{{ report_problems(problems) }}
