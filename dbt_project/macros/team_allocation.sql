{#
  Matching usage to the rules of team_rules.csv, in portable SQL.

  The CSV writes patterns as globs: `*` is any run of characters (also none), `?` exactly one,
  everything else stands for itself and matching is case-sensitive. A blank pattern matches
  anything, NULL included (the org-level rows of seat credits have no project, workflow, job
  or branch); a pattern that is not blank never matches NULL, so `*` means "any project" but
  not "an org-level row".

  glob_to_like(): the LIKE pattern of a glob. LIKE's own wildcards (% and _) and the escape
  character are escaped first, so a project called `my_app` matches only itself. Dispatched:
  an adapter whose string literals treat a backslash specially supplies its own spelling.
#}
{% macro glob_to_like(glob) -%}
    {{ return(adapter.dispatch('glob_to_like', 'circleci_costs')(glob)) }}
{%- endmacro %}

{% macro default__glob_to_like(glob) -%}
    replace(replace(replace(replace(replace({{ glob }}, '\', '\\'), '%', '\%'), '_', '\_'), '*', '%'), '?', '_')
{%- endmacro %}

{# The rule's globs as LIKE patterns: the columns team_rule_applies() reads. #}
{% macro team_rule_like_patterns(rule) -%}
    {{ glob_to_like(rule ~ '.org_id') }} as org_id_like,
        {{ glob_to_like(rule ~ '.project') }} as project_like,
        {{ glob_to_like(rule ~ '.workflow') }} as workflow_like,
        {{ glob_to_like(rule ~ '.job') }} as job_like,
        {{ glob_to_like(rule ~ '.branch') }} as branch_like
{%- endmacro %}

{# True when `value` matches the LIKE pattern made by glob_to_like (NULL pattern = any). #}
{% macro matches_like_pattern(value, like_pattern) -%}
    ({{ like_pattern }} is null or coalesce({{ value }} like {{ like_pattern }} escape '\', false))
{%- endmacro %}

{#
  The join condition "rule row `rule` applies to usage row `usage`": every pattern matches and
  the rule is in force on the usage day (effective_from and effective_until are inclusive).
  `rule` is a row of stg_seeds__team_rules with team_rule_like_patterns() beside it, `usage`
  a row of fct_job_run_costs.
#}
{% macro team_rule_applies(rule, usage) -%}
    {{ matches_like_pattern(usage ~ '.org_id', rule ~ '.org_id_like') }}
        and {{ matches_like_pattern(usage ~ '.project_name', rule ~ '.project_like') }}
        and {{ matches_like_pattern(usage ~ '.workflow_name', rule ~ '.workflow_like') }}
        and {{ matches_like_pattern(usage ~ '.job_name', rule ~ '.job_like') }}
        and {{ matches_like_pattern(usage ~ '.branch', rule ~ '.branch_like') }}
        and {{ usage }}.usage_date >= {{ rule }}.effective_from
        and ({{ rule }}.effective_until is null or {{ usage }}.usage_date <= {{ rule }}.effective_until)
{%- endmacro %}

{#
  Rows of stg_seeds__team_rules that can be applied: the ones assert_team_rules_are_well_formed
  does not reject outright. (A broken row fails that test, which stops the build before any
  allocation; this keeps `dbt run` without tests from tripping over it.)
#}
{% macro team_rule_is_usable(rule) -%}
    {{ rule }}.rule_id is not null
        and {{ rule }}.team is not null
        and {{ rule }}.priority is not null
        and {{ rule }}.share_pct is not null
        and {{ rule }}.effective_from is not null
{%- endmacro %}

{# The team of usage no rule matches. Reserved: no rule may name it. #}
{% macro unallocated_team() %}'unallocated'{% endmacro %}

{#
  Shared-cost chains are followed this many policies deep (a policy whose listed target is the
  source of another policy). assert_shared_cost_policies_have_no_cycles reports a deeper chain.
#}
{% macro shared_cost_max_chain() %}{{ return(6) }}{% endmacro %}

{# How a test names a row of team_rules.csv. #}
{% macro team_rule_label(alias) -%}
    'rule ' || coalesce({{ alias }}.rule_id, '(no rule_id)')
    || ' [team ' || coalesce({{ alias }}.team, '(blank)')
    || ', priority ' || coalesce({{ alias }}.priority_as_written, '(blank)')
    || ', share ' || coalesce({{ alias }}.share_pct_as_written, '(blank = 100)')
    || ', from ' || coalesce(cast({{ alias }}.effective_from as {{ dbt.type_string() }}), '(blank)')
    || ' until ' || coalesce(cast({{ alias }}.effective_until as {{ dbt.type_string() }}), 'open') || ']'
{%- endmacro %}

{#
  The key of a row of shared_costs.csv, "<source_team>:<effective_from>" (the policy named in
  fct_team_costs_daily.shared_cost_policy); unique once assert_shared_cost_policies_do_not_overlap
  passes.
#}
{% macro shared_cost_policy_key(source_team, effective_from) -%}
    coalesce({{ source_team }}, '(no source_team)')
        || ':' || coalesce(cast({{ effective_from }} as {{ dbt.type_string() }}), '(no effective_from)')
{%- endmacro %}

{# How a test names a row of shared_costs.csv. #}
{% macro shared_cost_policy_label(alias) -%}
    '[' || coalesce({{ alias }}.source_team, '(no source_team)')
    || ' ' || coalesce({{ alias }}.method_as_written, '(no method)')
    || ' to ' || coalesce({{ alias }}.target_teams_as_written, 'every team with direct cost')
    || ' from ' || coalesce(cast({{ alias }}.effective_from as {{ dbt.type_string() }}), '(blank)')
    || ' until ' || coalesce(cast({{ alias }}.effective_until as {{ dbt.type_string() }}), 'open') || ']'
{%- endmacro %}

{#
  Apportioning an amount exactly (split rules and shared costs).

  The parts of `amount` are placed in a fixed order (by team name); each part's running total
  is the amount times the running fraction, rounded to the column's scale, and the last
  running total is the amount itself. A part is its running total minus the one before:
  the parts add up to the amount exactly, none is negative (the running fractions only grow),
  and each differs from its exact share by less than one unit of the last decimal. This is
  "cumulative rounding"; the remainder of a 3-way split lands where the running total crosses
  a rounding step, decided by the order alone.

  running_share(amount, running_fraction, is_last, type): the running total, clamped so that
  a floating-point fraction a hair above 1 never overshoots the amount.
#}
{% macro running_share(amount, running_fraction, is_last, type) -%}
    case
        when {{ is_last }} then {{ amount }}
        when abs(cast({{ amount }} * {{ running_fraction }} as {{ type }})) > abs({{ amount }})
            then {{ amount }}
        else cast({{ amount }} * {{ running_fraction }} as {{ type }})
    end
{%- endmacro %}
