-- At most one policy of shared_costs.csv shares out a team on any day: two policies for the
-- same source_team must not cover the same day, or its cost would be given away twice.
{% set problems %}
with

policies as (

    select
        *,
        row_number() over (
            partition by source_team
            order by effective_from, effective_until, method_as_written, target_teams_as_written
        ) as number_in_file

    from {{ ref('stg_seeds__shared_costs') }}
    where source_team is not null
        and effective_from is not null
        and (effective_until is null or effective_until >= effective_from)

),

overlapping_periods as (

    select
        earlier.source_team,
        {{ shared_cost_policy_label('earlier') }} as earlier_label,
        {{ shared_cost_policy_label('later') }} as later_label,
        greatest(earlier.effective_from, later.effective_from) as overlap_from,
        least(earlier.effective_until, later.effective_until) as overlap_until

    from policies as earlier
    inner join policies as later
        on earlier.source_team = later.source_team
        and earlier.number_in_file < later.number_in_file
        and {{ periods_overlap('earlier', 'later') }}

)

select
    'shared_costs.csv policies ' || earlier_label || ' and ' || later_label
        || ' both share out team ' || source_team
        || ' from ' || cast(overlap_from as {{ dbt.type_string() }})
        || ' until ' || coalesce(cast(overlap_until as {{ dbt.type_string() }}), 'open')
        || ': end one the day before the other starts' as problem,
    overlapping_periods.*

from overlapping_periods
{% endset %}
{{ report_problems(problems) }}
