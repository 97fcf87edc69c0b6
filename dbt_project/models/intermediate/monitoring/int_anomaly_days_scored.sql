/*
  int_anomaly_days_scored: one row per scope and UTC day of int_scope_days_filled, scored:
  the cost expected from the baseline (int_anomaly_baselines) priced at the day's price, the
  bounds outside which the day is anomalous, a robust score (the method: models/marts/monitoring/anomalies.md).
  cost_daily_series shows these days; int_anomaly_episodes groups them.

  Guarantees:
  - Every column of int_scope_days_filled but the scope's first and last days and its org's
    last complete day (which move with every new day), unchanged: actual_cost is exact
    (assert_cost_daily_series_conserves_cost); expected cost, bounds and score are estimates.
  - is_anomaly exactly when the day is scorable (var('anomaly_min_history_days') days of
    history and a baseline) and either its actual cost lies outside [lower_bound_cost,
    upper_bound_cost], which is: |score| above var('anomaly_score_threshold'), the change
    above var('anomaly_min_change_pct') % and the impact above var('anomaly_min_amount')
    (a rise beyond what the org's busy day adds, int_anomaly_org_days.busy_factor), or
    its workflow runs cost more each than the scope's runs usually do (is_run_cost_rise,
    int_anomaly_run_costs), or, for a project, its re-runs piled up (is_rerun_storm,
    int_anomaly_reruns) or one trigger user's pipelines on one branch did (is_pipeline_loop,
    int_anomaly_pipeline_loops); then anomaly_direction is 'up'
    (assert_anomalous_days_lie_outside_their_bounds).
  - is_cost_rise_alone exactly when the day is anomalous above its upper bound and nothing
    else says so: no cost-per-run rise (is_run_cost_rise), its own runs not far dearer each
    (is_day_run_cost_jump), no re-run storm, no pipeline loop. int_anomaly_episodes raises
    such a rise only when the next day is still above its baseline
    (var('anomaly_confirm_rises'); test_monitoring_method.py:
    one_day_burst_of_runs_is_no_episode, two_day_burst_of_runs_is_flagged_on_its_second_day).

  - monitoring_fingerprint: the anomaly vars and company calendar the row was built with
    (monitoring_fingerprint()).

  Incremental: replaces the org-days int_anomaly_refresh_days lists, from the rows of the
  same days of the tables it joins. int_anomaly_refresh_days compares each scope's first
  and last day and names here with the current ones, to find the days that changed.
*/

{%- set threshold = var('anomaly_score_threshold') | float -%}
{%- set floor_pct = var('anomaly_score_floor_pct') | float -%}
{%- set min_pct = var('anomaly_min_change_pct') | float -%}
{%- set min_amount = var('anomaly_min_amount') | float -%}
{%- set min_history = var('anomaly_min_history_days') | int -%}
{%- set org_day_pct = var('anomaly_min_org_day_pct') | float -%}
{%- if threshold <= 0 or min_amount <= 0 -%}
    {{ exceptions.raise_compiler_error(
        "anomaly_score_threshold and anomaly_min_amount must be above 0 (got "
        ~ threshold ~ ", " ~ min_amount ~ ")") }}
{%- endif %}

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        refresh_partitions='int_anomaly_refresh_days',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_anomaly_refresh_days') }}

with

filled as (

    select * from {{ ref('int_scope_days_filled') }} as filled
    {% if is_incremental() -%}
    where {{ on_listed_org_days('filled', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

),

baselines as (

    select * from {{ ref('int_anomaly_baselines') }} as baselines
    {% if is_incremental() -%}
    where {{ on_listed_org_days('baselines', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

),

volatility as (

    select * from {{ ref('int_anomaly_volatility') }} as volatility
    {% if is_incremental() -%}
    where {{ on_listed_org_days('volatility', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

),

run_costs as (

    select * from {{ ref('int_anomaly_run_costs') }} as run_costs
    {% if is_incremental() -%}
    where {{ on_listed_org_days('run_costs', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

),

org_days as (

    select * from {{ ref('int_anomaly_org_days') }} as org_days
    {% if is_incremental() -%}
    where {{ on_listed_org_days('org_days', ref('int_anomaly_refresh_days')) }}
    {%- endif %}

),

reruns as (

    select * from {{ ref('int_anomaly_reruns') }}

),

pipeline_loops as (

    select * from {{ ref('int_anomaly_pipeline_loops') }}

),

org_baselines as (

    -- what each org's whole day is expected to cost, in credits
    select
        filled.org_id,
        filled.usage_date,
        baselines.expected_credits as org_expected_credits

    from filled
    inner join baselines
        on filled.scope_key = baselines.scope_key
        and filled.usage_date = baselines.usage_date
    where filled.scope_type = 'org'

),

baselines_priced as (

    select
        filled.scope_key,
        filled.usage_date,
        filled.scope_type,
        filled.org_id,
        filled.org_name,
        filled.project_id,
        filled.project_name,
        filled.workflow_name,
        filled.resource_class,
        filled.team_name,
        filled.scope_name,
        filled.history_days,
        filled.currency,
        filled.price_per_credit,
        filled.workflow_runs,
        filled.workflow_run_credits_squared,
        filled.usage_credits,
        filled.actual_cost,
        filled.seat_cost,
        baselines.baseline_days,
        baselines.expected_credits,
        cast(baselines.expected_credits * filled.price_per_credit as {{ money_type() }})
            as expected_cost,
        cast(
            baselines.median_absolute_deviation_credits * filled.price_per_credit
            as {{ money_type() }}
        ) as median_absolute_deviation_cost,
        cast(baselines.level_credits * filled.price_per_credit as {{ money_type() }})
            as level_cost,
        baselines.lump_credits * cast(filled.price_per_credit as double precision)
            as cost_per_lump,
        volatility.is_off_day,
        volatility.has_gone_quiet,
        volatility.is_quiet_start,
        -- how far this scope's days usually depart from their baseline, in money
        1.4826 * volatility.residual_median_abs_credits
            * cast(filled.price_per_credit as double precision) as usual_spread_cost,
        volatility.residual_upper_credits / {{ normal_quantile(var('anomaly_tail_quantile_pct'), 'anomaly_tail_quantile_pct') }}
            * cast(filled.price_per_credit as double precision) as usual_rise_cost,
        -1 * volatility.residual_lower_credits / {{ normal_quantile(var('anomaly_tail_quantile_pct'), 'anomaly_tail_quantile_pct') }}
            * cast(filled.price_per_credit as double precision) as usual_fall_cost,
        run_costs.usual_credits_per_run,
        run_costs.run_window_runs,
        run_costs.run_window_change_cost,
        100 * (exp(run_costs.run_window_log_ratio) - 1) as run_cost_change_pct,
        run_costs.run_window_log_ratio / run_costs.run_window_log_spread as run_cost_score,
        run_costs.is_run_cost_up,
        run_costs.is_run_cost_rise,
        run_costs.is_day_run_cost_jump,
        -- what the project's day was made of (NULL or false for other scopes)
        reruns.rerun_share,
        reruns.highest_rerun_share,
        reruns.rerun_workflow_runs,
        coalesce(reruns.is_rerun_storm, false) as is_rerun_storm,
        pipeline_loops.busiest_branch,
        pipeline_loops.busiest_branch_pipelines,
        pipeline_loops.usual_busiest_branch_pipelines,
        coalesce(pipeline_loops.is_pipeline_loop, false) as is_pipeline_loop,
        coalesce(org_baselines.org_expected_credits, 0)
            * cast(filled.price_per_credit as double precision) as org_expected_cost,
        -- how busy the whole org was that day (1 for the org itself: it is its own day)
        case when filled.scope_type = 'org' then 1 else coalesce(org_days.busy_factor, 1) end
            as org_busy_factor

    from filled
    inner join baselines
        on filled.scope_key = baselines.scope_key
        and filled.usage_date = baselines.usage_date
    inner join volatility
        on filled.scope_key = volatility.scope_key
        and filled.usage_date = volatility.usage_date
    inner join run_costs
        on filled.scope_key = run_costs.scope_key
        and filled.usage_date = run_costs.usage_date
    left join org_days
        on filled.org_id = org_days.org_id
        and filled.usage_date = org_days.usage_date
    left join org_baselines
        on filled.org_id = org_baselines.org_id
        and filled.usage_date = org_baselines.usage_date
    left join reruns
        on filled.scope_key = reruns.scope_key
        and filled.usage_date = reruns.usage_date
    left join pipeline_loops
        on filled.scope_key = pipeline_loops.scope_key
        and filled.usage_date = pipeline_loops.usage_date

),

baselines_spread as (

    select
        *,
        cast(actual_cost - expected_cost as {{ money_type() }}) as deviation_cost,
        -- a robust standard deviation with floors, in money at the day's price: the larger
        -- of the same weekday's spread and the scope's usual spread over all recent days
        greatest(
            1.4826 * cast(median_absolute_deviation_cost as double precision),
            coalesce(usual_spread_cost, 0),
            {{ floor_pct / 100 }} * cast(greatest(expected_cost, level_cost) as double precision),
            coalesce(cost_per_lump, 0),
            {{ min_amount / threshold }}
        ) as spread_cost

    from baselines_priced

),

baselines_scaled as (

    select
        *,
        -- each direction also as wide as the scope's usual rises (falls): the upper
        -- (lower) tail of its recent departures, in standard deviations of a normal tail
        greatest(spread_cost, coalesce(usual_rise_cost, 0)) as rise_scale_cost,
        greatest(spread_cost, coalesce(usual_fall_cost, 0)) as fall_scale_cost

    from baselines_spread

),

baselines_margins as (

    select
        *,
        -- the deviation a day needs to pass the score, the percentage and the amount tests;
        -- a rise also a share of its org's whole day (a rise that adds less is not worth an
        -- alert), and what the whole org's busy day adds to the expected cost
        greatest(
            {{ threshold }} * rise_scale_cost,
            {{ min_pct / 100 }} * cast(expected_cost as double precision),
            {{ min_amount }},
            {{ org_day_pct / 100 }} * org_expected_cost
        ) + (org_busy_factor - 1) * cast(expected_cost as double precision) as rise_margin_cost,
        case
            -- a drop on a day the company is off is no anomaly: no lower bound
            when is_off_day
                then 3 * cast(expected_cost as double precision) + {{ min_amount }}
            -- a scope that has gone quiet: anything below the quiet level is a drop
            when has_gone_quiet or is_quiet_start then least(
                greatest(
                    {{ threshold }} * fall_scale_cost,
                    {{ min_pct / 100 }} * cast(expected_cost as double precision),
                    {{ min_amount }}
                ),
                -- its first quiet day leans (so the episode is dated from it) without
                -- being anomalous yet: the lower bound is zero until it has gone quiet
                case when has_gone_quiet then 1 else 2 end
                    * {{ 1 - var('anomaly_quiet_pct') | float / 100 }}
                    * cast(expected_cost as double precision)
            )
            else greatest(
                {{ threshold }} * fall_scale_cost,
                {{ min_pct / 100 }} * cast(expected_cost as double precision),
                {{ min_amount }}
            )
        end as fall_margin_cost

    from baselines_scaled

),

baselines_bounded as (

    select
        *,
        case when deviation_cost >= 0 then rise_scale_cost else fall_scale_cost end
            as score_scale_cost,
        case when deviation_cost >= 0 then rise_margin_cost else fall_margin_cost end
            as alarm_margin_cost

    from baselines_margins

),

final as (

    select
        *,
        history_days >= {{ min_history }} and baseline_days > 0 and expected_cost is not null
            as is_scorable,
        cast(expected_cost + rise_margin_cost as {{ money_type() }}) as upper_bound_cost,
        cast(
            case when expected_cost > fall_margin_cost then expected_cost - fall_margin_cost else 0 end
            as {{ money_type() }}
        ) as lower_bound_cost,
        cast(deviation_cost as double precision) / score_scale_cost as score,
        case
            when expected_cost > 0
                then 100 * cast(deviation_cost as double precision)
                    / cast(expected_cost as double precision)
        end as change_pct,
        case
            when history_days < {{ min_history }} or baseline_days = 0 or expected_cost is null
                then false
            when actual_cost > expected_cost + rise_margin_cost then true
            when actual_cost < expected_cost - fall_margin_cost then true
            when is_run_cost_rise or is_rerun_storm or is_pipeline_loop then true
            else false
        end as is_anomaly,
        case
            when history_days < {{ min_history }} or baseline_days = 0 or expected_cost is null
                then null
            -- its runs cost more each, its re-runs or one branch's pipelines piled up: up,
            -- whatever the number of runs did that day
            when is_run_cost_rise or is_rerun_storm or is_pipeline_loop then 'up'
            when actual_cost > expected_cost + rise_margin_cost then 'up'
            when actual_cost < expected_cost - fall_margin_cost then 'down'
        end as anomaly_direction,
        -- a rise that only the day's cost shows: more runs at the usual cost each
        coalesce(
            history_days >= {{ min_history }} and baseline_days > 0
            and actual_cost > expected_cost + rise_margin_cost
            and not (is_run_cost_rise or is_day_run_cost_jump or is_rerun_storm or is_pipeline_loop),
            false
        ) as is_cost_rise_alone,
        {{ monitoring_fingerprint() }} as monitoring_fingerprint

    from baselines_bounded

)

select * from final
