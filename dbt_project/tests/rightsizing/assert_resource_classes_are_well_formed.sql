-- resource_classes.csv and resource_class_rates.csv: one row per executor and class, sizes
-- above zero, credits per minute a number above zero where given, and next sizes that name a
-- class of the same executor which points back.
{% set problems %}
with

resource_classes as (

    select * from {{ ref('stg_seeds__resource_classes') }}

),

rates as (

    select * from {{ ref('stg_seeds__resource_class_rates') }}

),

duplicates as (

    select executor, resource_class, count(*) as copies
    from resource_classes
    group by executor, resource_class
    having count(*) > 1

),

class_problems as (

    select
        'resource_classes.csv row ' || executor || ' ' || resource_class || ' ' || case
            when vcpus is null or vcpus <= 0 or ram_gib is null or ram_gib <= 0
                then 'needs vcpus and ram_gib above zero'
            when credits_per_minute_as_written is not null and credits_per_minute is null
                then 'has credits_per_minute "' || credits_per_minute_as_written || '", which is not a number'
            when credits_per_minute <= 0 then 'has credits_per_minute at or below zero'
        end as problem
    from resource_classes

),

ladder_problems as (

    select
        'resource_classes.csv row ' || classes.executor || ' ' || classes.resource_class
            || ' names next_size_down "' || classes.next_size_down
            || '", which is not a class of that executor whose next_size_up names it back'
            as problem
    from resource_classes as classes
    left join resource_classes as smaller
        on classes.executor = smaller.executor
        and classes.next_size_down = smaller.resource_class
        and smaller.next_size_up = classes.resource_class
    where classes.next_size_down is not null and smaller.resource_class is null

    union all

    select
        'resource_classes.csv row ' || classes.executor || ' ' || classes.resource_class
            || ' names next_size_up "' || classes.next_size_up
            || '", which is not a class of that executor whose next_size_down names it back'
    from resource_classes as classes
    left join resource_classes as larger
        on classes.executor = larger.executor
        and classes.next_size_up = larger.resource_class
        and larger.next_size_down = classes.resource_class
    where classes.next_size_up is not null and larger.resource_class is null

),

rate_problems as (

    select
        'resource_class_rates.csv row ' || coalesce(rates.org_id, '(every org)') || ' '
            || coalesce(rates.executor, '?') || ' ' || coalesce(rates.resource_class, '?') || ' '
            || case
                when resource_classes.resource_class is null
                    then 'names a class that is not in resource_classes.csv'
                when rates.credits_per_minute is null or rates.credits_per_minute <= 0
                    then 'needs credits_per_minute, a number above zero'
            end as problem
    from rates
    left join resource_classes
        on rates.executor = resource_classes.executor
        and rates.resource_class = resource_classes.resource_class

)

select 'resource_classes.csv has ' || cast(copies as {{ dbt.type_string() }})
    || ' rows for ' || executor || ' ' || resource_class || ': keep one' as problem
from duplicates
union all
select problem from class_problems where problem is not null
union all
select problem from ladder_problems
union all
select problem from rate_problems where problem is not null
{% endset %}
{{ report_problems(problems) }}
