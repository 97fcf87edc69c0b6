/*
  int_budget_scopes: one row per row of budgets.csv x scope it covers (a team, an org or a
  project of int_scope_days_filled), with the scope's last complete day and currency.

  Guarantees:
  - A budget names its scope by id or name: an org by org_id or org name, a project by
    project_id, name, or "org name/project name", a team by name. A name found in several
    orgs covers them all (a team working in two orgs has a scope in each); a budget that
    names nothing with usage has no row here (assert_budgets_name_known_scopes names it).
*/

with

budgets as (

    select * from {{ ref('stg_seeds__budgets') }}

),

filled as (

    select * from {{ ref('int_scope_days_filled') }}

),

scopes as (

    select distinct
        scope_key,
        scope_type,
        org_id,
        org_name,
        project_id,
        project_name,
        team_name,
        complete_through,
        currency

    from filled
    where scope_type in ('org', 'project', 'team')

),

final as (

    select
        budgets.budget_key,
        scopes.scope_key,
        scopes.complete_through,
        scopes.currency

    from budgets
    inner join scopes
        on budgets.scope_type = scopes.scope_type
        and (
            (scopes.scope_type = 'org' and budgets.scope in (scopes.org_id, scopes.org_name))
            or (scopes.scope_type = 'project' and budgets.scope in (
                scopes.project_id, scopes.project_name, scopes.org_name || '/' || scopes.project_name
            ))
            or (scopes.scope_type = 'team' and budgets.scope = scopes.team_name)
        )

)

select * from final
