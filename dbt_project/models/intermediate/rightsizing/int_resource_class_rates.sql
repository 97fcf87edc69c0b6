/*
  One row per org with usage x resource class of resource_classes.csv: the credits per minute
  the org pays for the class. The org's own row of resource_class_rates.csv wins, then a row
  for every org (blank org_id), then the list rate of resource_classes.csv (NULL where that
  is unknown).
*/

with

resource_classes as (

    select * from {{ ref('stg_seeds__resource_classes') }}

),

rate_overrides as (

    select * from {{ ref('stg_seeds__resource_class_rates') }}

),

orgs as (

    select distinct org_id from {{ ref('int_rightsizing_utilisation') }}

),

final as (

    select
        orgs.org_id,
        resource_classes.executor,
        resource_classes.resource_class,
        coalesce(
            org_rate.credits_per_minute,
            every_org_rate.credits_per_minute,
            resource_classes.credits_per_minute
        ) as credits_per_minute

    from orgs
    cross join resource_classes
    left join rate_overrides as org_rate
        on org_rate.org_id = orgs.org_id
        and org_rate.executor = resource_classes.executor
        and org_rate.resource_class = resource_classes.resource_class
    left join rate_overrides as every_org_rate
        on every_org_rate.org_id is null
        and every_org_rate.executor = resource_classes.executor
        and every_org_rate.resource_class = resource_classes.resource_class

)

select * from final
