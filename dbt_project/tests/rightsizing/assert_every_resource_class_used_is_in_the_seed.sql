-- Every resource class the export shows (executor and class) is a row of resource_classes.csv:
-- right-sizing cannot judge a class it does not know. Self-hosted runners (executor
-- `runner`, or a `namespace/name` class) are not CircleCI's classes and are left out.
-- An error, not a warning: a class missing from the catalogue would silently drop its jobs
-- from rightsizing_recommendations.
{% set problems %}
with

job_runs as (

    select * from {{ ref('fct_job_run_costs') }}

),

resource_classes as (

    select * from {{ ref('stg_seeds__resource_classes') }}

),

used as (

    select
        executor,
        resource_class,
        count(*) as job_runs,
        min(usage_date) as first_day,
        max(usage_date) as last_day

    from job_runs
    where resource_class is not null
        and coalesce(executor, '') <> 'runner'
        and resource_class not like '%/%'
    group by executor, resource_class

)

select
    'resource class "' || used.resource_class || '" (executor '
        || coalesce(used.executor, 'NULL') || ', ' || cast(used.job_runs as {{ dbt.type_string() }})
        || ' job runs from ' || cast(used.first_day as {{ dbt.type_string() }}) || ' to '
        || cast(used.last_day as {{ dbt.type_string() }})
        || ') is not in resource_classes.csv: add its row (vCPUs, RAM, credits per minute, next sizes)'
        as problem,
    used.executor,
    used.resource_class

from used
left join resource_classes
    on used.executor = resource_classes.executor
    and used.resource_class = resource_classes.resource_class
where resource_classes.resource_class is null
{% endset %}
{{ report_problems(problems) }}
