/*
  One row per job x resource class of int_rightsizing_utilisation: the action and the class
  the rule recommends (docs/rightsizing.md):
  - no_data: fewer than var('rightsizing_min_runs') runs with utilisation;
  - upsize to the next size up: p95 of max RAM at or above var('rightsizing_ram_limit_pct') %
    of the class (out-of-memory risk: bottleneck ram), or the median run's median CPU at or
    above var('rightsizing_cpu_saturated_pct') % (bottleneck cpu); keep when there is none;
  - downsize to the smallest class down the ladder whose vCPUs and RAM both hold the p95 of
    max CPU and of max RAM with var('rightsizing_headroom_pct') % to spare;
  - keep otherwise.
*/

with

utilisation as (

    select * from {{ ref('int_rightsizing_utilisation') }}

),

ladder as (

    select * from {{ ref('int_resource_class_ladder') }}

),

judged as (

    select
        *,
        measured_job_runs >= {{ var('rightsizing_min_runs') | int }} as is_measured,
        p95_max_ram_pct >= {{ var('rightsizing_ram_limit_pct') }} as is_ram_near_limit,
        p50_median_cpu_pct >= {{ var('rightsizing_cpu_saturated_pct') }} as is_cpu_saturated

    from utilisation

),

fitting_smaller as (

    select
        judged.org_id,
        judged.project_id,
        judged.workflow_name,
        judged.job_name,
        judged.executor,
        judged.resource_class,
        ladder.candidate_class,
        ladder.candidate_vcpus,
        ladder.candidate_ram_gib,
        row_number() over (
            partition by judged.org_id, judged.project_id, judged.workflow_name, judged.job_name,
                judged.executor, judged.resource_class
            order by ladder.steps desc
        ) as smallest_first

    from judged
    inner join ladder
        on judged.executor = ladder.executor
        and judged.resource_class = ladder.resource_class
        and ladder.direction = 'down'
    where judged.is_measured
        and not judged.is_ram_near_limit
        and not judged.is_cpu_saturated
        and judged.p95_max_cpu_vcpus
            <= ladder.candidate_vcpus * (100 - {{ var('rightsizing_headroom_pct') }}) / 100
        and judged.p95_max_ram_gib
            <= ladder.candidate_ram_gib * (100 - {{ var('rightsizing_headroom_pct') }}) / 100

),

next_up as (

    select * from ladder where direction = 'up'

),

next_down as (

    select * from ladder where direction = 'down' and steps = 1

),

chosen as (

    select
        judged.*,
        case
            when not judged.is_measured then 'no_data'
            when (judged.is_ram_near_limit or judged.is_cpu_saturated)
                and next_up.candidate_class is not null then 'upsize'
            when fitting_smaller.candidate_class is not null then 'downsize'
            else 'keep'
        end as action,
        case
            when not judged.is_measured then null
            when judged.is_ram_near_limit then 'ram'
            when judged.is_cpu_saturated then 'cpu'
        end as bottleneck,
        next_up.candidate_class as next_size_up,
        next_up.candidate_vcpus as next_size_up_vcpus,
        next_up.candidate_ram_gib as next_size_up_ram_gib,
        next_down.candidate_class as next_size_down,
        fitting_smaller.candidate_class as smallest_fitting_class,
        fitting_smaller.candidate_vcpus as smallest_fitting_vcpus,
        fitting_smaller.candidate_ram_gib as smallest_fitting_ram_gib

    from judged
    left join fitting_smaller
        on judged.org_id = fitting_smaller.org_id
        and judged.project_id is not distinct from fitting_smaller.project_id
        and judged.workflow_name is not distinct from fitting_smaller.workflow_name
        and judged.job_name is not distinct from fitting_smaller.job_name
        and judged.executor = fitting_smaller.executor
        and judged.resource_class = fitting_smaller.resource_class
        and fitting_smaller.smallest_first = 1
    left join next_up
        on judged.executor = next_up.executor
        and judged.resource_class = next_up.resource_class
    left join next_down
        on judged.executor = next_down.executor
        and judged.resource_class = next_down.resource_class

),

final as (

    select
        *,
        case action
            when 'upsize' then next_size_up
            when 'downsize' then smallest_fitting_class
            when 'keep' then resource_class
        end as recommended_class,
        case action
            when 'upsize' then next_size_up_vcpus
            when 'downsize' then smallest_fitting_vcpus
            when 'keep' then vcpus
        end as recommended_vcpus,
        case action
            when 'upsize' then next_size_up_ram_gib
            when 'downsize' then smallest_fitting_ram_gib
            when 'keep' then ram_gib
        end as recommended_ram_gib

    from chosen

)

select * from final
