/*
  One row per usage row x team it is allocated to, by the rules of team_rules.csv.

  For each usage row, among the rule rows in force on its usage_date whose patterns all match,
  the lowest priority wins (two rules of one priority matching the same row fail
  assert_team_rules_are_unambiguous). The winning rule's rows in force that day name the
  teams: one row takes the whole cost; several (a split rule) share it by share_pct, with
  cumulative rounding in team-name order so the parts add up to the row's cost and credits
  exactly (see running_share()). A row no rule matches goes to the team `unallocated`.

  Reads the priced fact, so the team marts add up to exactly what fct_job_run_costs says.

  Incremental: a usage row's parts depend on that row and the rules in force on its day
  only, so a run replaces the org-days int_refresh_plan flags refresh_allocation (those
  fct_job_run_costs re-read, and the days whose rules in force changed: a re-organisation
  added for a past date rebuilds the days from that date on) and keeps the others
  (replace_partitions: delete+insert by org-day).
*/

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        refresh_flag='refresh_allocation',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_refresh_plan') }}

with

job_run_costs as (

    select * from {{ ref('fct_job_run_costs') }} as job_run_costs
    {% if is_incremental() -%}
    where {{ in_refresh_plan('job_run_costs') }}
    {%- endif %}

),

team_rules as (

    select
        rules.*,
        {{ team_rule_like_patterns('rules') }}

    from {{ ref('stg_seeds__team_rules') }} as rules
    where {{ team_rule_is_usable('rules') }}

),

rule_periods as (

    -- the rows of a rule with the same dates form one period: one team, or a split
    select
        rule_id,
        priority,
        effective_from,
        effective_until,
        team,
        sum(share_pct) as share_pct,
        count(*) over (partition by rule_id, effective_from, effective_until) as teams_in_period

    from team_rules
    group by rule_id, priority, effective_from, effective_until, team

),

matches as (

    select distinct
        job_run_costs.usage_row_id,
        team_rules.rule_id,
        team_rules.priority,
        team_rules.effective_from,
        team_rules.effective_until

    from job_run_costs
    inner join team_rules
        on {{ team_rule_applies('team_rules', 'job_run_costs') }}

),

ranked_matches as (

    select
        *,
        row_number() over (
            partition by usage_row_id
            -- ties at one priority fail assert_team_rules_are_unambiguous; the rest of the
            -- order only keeps this model deterministic
            order by priority, rule_id, effective_from
        ) as precedence

    from matches

),

winning_rules as (

    select * from ranked_matches where precedence = 1

),

placed as (

    select
        job_run_costs.usage_row_id,
        job_run_costs.usage_date,
        job_run_costs.org_id,
        job_run_costs.org_name,
        job_run_costs.project_id,
        job_run_costs.project_name,
        job_run_costs.currency,
        job_run_costs.total_credits,
        job_run_costs.total_cost,
        winning_rules.rule_id,
        coalesce(rule_periods.team, {{ unallocated_team() }}) as team,
        coalesce(rule_periods.share_pct, cast(100 as decimal(9, 6))) as share_pct,
        coalesce(rule_periods.teams_in_period > 1, false) as is_split

    from job_run_costs
    left join winning_rules
        on job_run_costs.usage_row_id = winning_rules.usage_row_id
    left join rule_periods
        on winning_rules.rule_id = rule_periods.rule_id
        and winning_rules.effective_from = rule_periods.effective_from
        and winning_rules.effective_until is not distinct from rule_periods.effective_until

),

running_shares as (

    select
        *,
        cast(
            sum(share_pct) over (
                partition by usage_row_id order by team rows between unbounded preceding and current row
            ) as decimal(12, 6)
        ) as running_share_pct,
        row_number() over (partition by usage_row_id order by team desc) = 1 as is_last_part

    from placed

),

running_totals as (

    select
        *,
        {{ running_share('total_cost', 'running_share_pct * 0.01', 'is_last_part', money_type()) }}
            as running_cost,
        {{ running_share('total_credits', 'running_share_pct * 0.01', 'is_last_part', credits_type()) }}
            as running_credits

    from running_shares

),

final as (

    select
        usage_row_id,
        usage_date,
        org_id,
        org_name,
        project_id,
        project_name,
        team,
        rule_id,
        is_split,
        share_pct,
        currency,
        cast(
            running_credits - coalesce(
                lag(running_credits) over (partition by usage_row_id order by team), 0
            ) as {{ credits_type() }}
        ) as allocated_credits,
        cast(
            running_cost - coalesce(
                lag(running_cost) over (partition by usage_row_id order by team), 0
            ) as {{ money_type() }}
        ) as allocated_cost

    from running_totals

)

select * from final
