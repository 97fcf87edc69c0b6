/*
  One row per resource class x each class it could move to: every smaller class of the same
  executor reachable through next_size_down (steps_down 1, 2, ...), and the next size up
  (steps 1). The sizes and the list rates of both, from resource_classes.csv.
  The ladder is the seed's: a class with no next size has nothing to move to.
*/

with recursive

resource_classes as (

    select * from {{ ref('stg_seeds__resource_classes') }}

),

smaller (executor, resource_class, candidate_class, steps) as (

    select executor, resource_class, next_size_down, 1
    from resource_classes
    where next_size_down is not null

    union all

    select smaller.executor, smaller.resource_class, resource_classes.next_size_down, smaller.steps + 1
    from smaller
    inner join resource_classes
        on smaller.executor = resource_classes.executor
        and smaller.candidate_class = resource_classes.resource_class
    where resource_classes.next_size_down is not null
        and smaller.steps < 20

),

moves as (

    select executor, resource_class, candidate_class, 'down' as direction, steps
    from smaller

    union all

    select executor, resource_class, next_size_up, 'up', 1
    from resource_classes
    where next_size_up is not null

),

final as (

    select
        moves.executor,
        moves.resource_class,
        moves.direction,
        moves.steps,
        moves.candidate_class,
        candidate.vcpus as candidate_vcpus,
        candidate.ram_gib as candidate_ram_gib,
        candidate.credits_per_minute as candidate_list_credits_per_minute

    from moves
    inner join resource_classes as candidate
        on moves.executor = candidate.executor
        and moves.candidate_class = candidate.resource_class

)

select * from final
