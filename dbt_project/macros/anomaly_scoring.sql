{#
  The median of an expression over a group: percentile_cont(0.5), the standard SQL spelling
  (DuckDB, Postgres, Snowflake, BigQuery's approximate cousins aside). Averages the two middle
  values of an even count.
#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'circleci_costs')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}


{#
  The sum of the squares of an exact credits column (DECIMAL(38, 9)), as a double: squared and
  summed in exact decimals, so the result does not depend on the order the rows are added in.
#}
{% macro sum_of_squares(credits) -%}
    cast(sum({{ credits }} * {{ credits }}) as double precision)
{%- endmacro %}


{#
  The weekday-matched baseline and the anomaly test of every scope-day, as CTEs appended to a
  model's WITH clause. `filled` names a CTE shaped like int_scope_days_filled (one row per
  scope and complete UTC day, zero-filled inside the scope's life). Defines:

    baseline_lags    1 .. var('anomaly_baseline_weeks')
    baseline_values  for each scope-day, the credits of the same weekday 1..N weeks before
                     (only days inside the scope's life: before its first day there is nothing)
    baseline_medians the median of those credits and how many there are
    baseline_spreads the median absolute deviation around that median
    scored_days      every column of `filled` plus expected, bounds, score, is_anomaly

  Used by cost_daily_series and cost_anomalies alike, so the episodes are made of exactly the
  days the series flags, and each mart can be unit tested from the daily costs up.

  The method, in credits priced at the day's own price (a change of contracted price is not
  an anomaly; a change of usage is):
    expected  = median of the baseline credits x the day's price
    scale     = the largest of 1.4826 x MAD x price (a robust standard deviation),
                anomaly_score_floor_pct % of expected (a flat history does not make every
                cent an alarm), and anomaly_min_amount / anomaly_score_threshold (a history of
                zeros still gives a finite score)
    score     = (actual - expected) / scale
    margin    = the largest of threshold x scale, anomaly_min_change_pct % of expected, and
                anomaly_min_amount: the deviation a day needs to pass all three tests
    bounds    = expected +- margin (the lower one never below zero)
    anomalous = scorable (anomaly_min_history_days after the first day with usage) and the
                actual cost outside the bounds, which is the same as: |score| > threshold,
                |change| > min %, |impact| > min amount.
#}
{% macro anomaly_scored_days(filled) %}
    {%- set weeks = var('anomaly_baseline_weeks') | int -%}
    {%- set threshold = var('anomaly_score_threshold') | float -%}
    {%- set floor_pct = var('anomaly_score_floor_pct') | float -%}
    {%- set min_pct = var('anomaly_min_change_pct') | float -%}
    {%- set min_amount = var('anomaly_min_amount') | float -%}
    {%- set min_history = var('anomaly_min_history_days') | int -%}
    {%- if weeks < 1 or threshold <= 0 or min_amount <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "anomaly_baseline_weeks must be at least 1, anomaly_score_threshold and "
            ~ "anomaly_min_amount above 0 (got " ~ weeks ~ ", " ~ threshold ~ ", " ~ min_amount ~ ")"
        ) }}
    {%- endif -%}

baseline_lags as (

    {% for weeks_back in range(1, weeks + 1) -%}
    select {{ weeks_back }} as weeks_back
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

baseline_values as (

    -- the same weekday 1..N weeks before, where the scope already existed
    select
        scoped_day.scope_key,
        scoped_day.usage_date,
        past_day.usage_credits as baseline_credits,
        -- the lump a credit of that day came in: the size of the workflow run a random
        -- credit belonged to (sum of the runs' squared credits over their sum)
        past_day.workflow_run_credits_squared
            / nullif(cast(past_day.usage_credits as double precision), 0) as baseline_lump_credits

    from {{ filled }} as scoped_day
    cross join baseline_lags
    inner join {{ filled }} as past_day
        on past_day.scope_key = scoped_day.scope_key
        and past_day.usage_date = cast(
            {{ dbt.dateadd('day', '-7 * baseline_lags.weeks_back', 'scoped_day.usage_date') }}
            as date)
    -- the company's off days (seeds/calendar.csv) are not learnt from
    inner join {{ ref('int_anomaly_volatility') }} as past_flags
        on past_flags.scope_key = past_day.scope_key
        and past_flags.usage_date = past_day.usage_date
        and not past_flags.is_off_day

),

baseline_medians as (

    select
        scope_key,
        usage_date,
        count(*) as baseline_days,
        {{ median('baseline_credits') }} as expected_credits,
        {{ median('baseline_lump_credits') }} as lump_credits

    from baseline_values
    group by scope_key, usage_date

),

baseline_spreads as (

    select
        baseline_values.scope_key,
        baseline_values.usage_date,
        {{ median('abs(baseline_values.baseline_credits - baseline_medians.expected_credits)') }}
            as median_absolute_deviation_credits

    from baseline_values
    inner join baseline_medians
        on baseline_values.scope_key = baseline_medians.scope_key
        and baseline_values.usage_date = baseline_medians.usage_date
    group by baseline_values.scope_key, baseline_values.usage_date

),

baseline_levels as (

    -- the scope's average day (all weekdays) over the same weeks: rows are contiguous days
    select
        scope_key,
        usage_date,
        avg(usage_credits) over (
            partition by scope_key order by usage_date
            rows between {{ 7 * weeks }} preceding and 1 preceding
        ) as level_credits

    from {{ filled }}

),

baselines_priced as (

    select
        scoped_day.*,
        coalesce(baseline_medians.baseline_days, 0) as baseline_days,
        baseline_medians.expected_credits,
        cast(baseline_medians.expected_credits * scoped_day.price_per_credit as {{ money_type() }})
            as expected_cost,
        cast(
            baseline_spreads.median_absolute_deviation_credits * scoped_day.price_per_credit
            as {{ money_type() }}
        ) as median_absolute_deviation_cost,
        cast(baseline_levels.level_credits * scoped_day.price_per_credit as {{ money_type() }})
            as level_cost,
        baseline_medians.lump_credits * cast(scoped_day.price_per_credit as double precision)
            as cost_per_lump,
        volatility.is_off_day,
        volatility.has_gone_quiet,
        volatility.is_quiet_start,
        -- how far this scope's days usually depart from their baseline, in money
        1.4826 * volatility.residual_median_abs_credits
            * cast(scoped_day.price_per_credit as double precision) as usual_spread_cost,
        volatility.residual_upper_credits / 1.2816
            * cast(scoped_day.price_per_credit as double precision) as usual_rise_cost,
        -1 * volatility.residual_lower_credits / 1.2816
            * cast(scoped_day.price_per_credit as double precision) as usual_fall_cost

    from {{ filled }} as scoped_day
    left join baseline_medians
        on scoped_day.scope_key = baseline_medians.scope_key
        and scoped_day.usage_date = baseline_medians.usage_date
    left join baseline_spreads
        on scoped_day.scope_key = baseline_spreads.scope_key
        and scoped_day.usage_date = baseline_spreads.usage_date
    left join baseline_levels
        on scoped_day.scope_key = baseline_levels.scope_key
        and scoped_day.usage_date = baseline_levels.usage_date
    left join {{ ref('int_anomaly_volatility') }} as volatility
        on scoped_day.scope_key = volatility.scope_key
        and scoped_day.usage_date = volatility.usage_date

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
        -- the deviation a day needs to pass the score, the percentage and the amount tests
        greatest(
            {{ threshold }} * rise_scale_cost,
            {{ min_pct / 100 }} * cast(expected_cost as double precision),
            {{ min_amount }}
        ) as rise_margin_cost,
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

scored_days as (

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
            else false
        end as is_anomaly,
        case
            when history_days < {{ min_history }} or baseline_days = 0 or expected_cost is null
                then null
            when actual_cost > expected_cost + rise_margin_cost then 'up'
            when actual_cost < expected_cost - fall_margin_cost then 'down'
        end as anomaly_direction

    from baselines_bounded

)
{% endmacro %}


{#
  Episodes from scored days, as more CTEs after anomaly_scored_days(). Defines:

    leaning_days      each scorable day off its baseline, in the direction it leans, marked
                      anomalous or merely off (beyond var('anomaly_continue_pct') % of the
                      alarm margin, in the same direction)
    leaning_runs      those days grouped into runs: a gap of more than
                      var('anomaly_max_gap_days') days between two of them starts a new run
    episode_spans     one row per episode: a run that holds at least one anomalous day, from
                      its first day off the baseline (where the change began) to its last;
                      detected_day is its first anomalous day (when it was raised)
    episode_days      every day of every episode (bridged days included), with its scored day

  So an episode is raised on an anomalous day, reaches back to the day the cost first went
  off its baseline in that direction (a step that needed a few days to stand out is dated
  from its first day), and stays open while the cost stays off its baseline in the same
  direction: a step the baseline is slowly absorbing (its spread grows as the new level
  enters the baseline weeks) remains one episode, and a weekday-only change too small to
  count on a weekend is bridged over it.
#}
{% macro anomaly_episode_days() %}
    {%- set continue_ratio = var('anomaly_continue_pct') | float / 100 -%}
    {%- set max_gap = var('anomaly_max_gap_days') | int -%}

leaning_days as (

    select
        scope_key,
        usage_date,
        case when deviation_cost > 0 then 'up' else 'down' end as direction,
        is_anomaly,
        score

    from scored_days
    where is_scorable
        and abs(cast(deviation_cost as double precision)) >= {{ continue_ratio }} * alarm_margin_cost
        and deviation_cost <> 0

),

leaning_breaks as (

    select
        *,
        case
            when lag(usage_date) over (
                partition by scope_key, direction order by usage_date
            ) is null then 1
            when {{ dbt.datediff(
                'lag(usage_date) over (partition by scope_key, direction order by usage_date)',
                'usage_date', 'day') }} > {{ max_gap }} + 1 then 1
            else 0
        end as starts_run

    from leaning_days

),

leaning_runs as (

    select
        *,
        sum(starts_run) over (
            partition by scope_key, direction order by usage_date
            rows between unbounded preceding and current row
        ) as run_number

    from leaning_breaks

),

episode_spans as (

    select
        scope_key,
        direction,
        min(usage_date) as first_day,
        min(case when is_anomaly then usage_date end) as detected_day,
        max(usage_date) as last_day,
        sum(case when is_anomaly then 1 else 0 end) as anomalous_days,
        max(case when is_anomaly then score end) as max_score,
        min(case when is_anomaly then score end) as min_score

    from leaning_runs
    group by scope_key, direction, run_number
    having sum(case when is_anomaly then 1 else 0 end) > 0

),

episode_days as (

    select
        {{ surrogate_key(['episode_spans.scope_key', 'episode_spans.direction', 'episode_spans.first_day']) }}
            as anomaly_id,
        episode_spans.direction as episode_direction,
        episode_spans.first_day as episode_first_day,
        episode_spans.detected_day as episode_detected_day,
        episode_spans.last_day as episode_last_day,
        scored_days.*

    from episode_spans
    inner join scored_days
        on episode_spans.scope_key = scored_days.scope_key
        and scored_days.usage_date >= episode_spans.first_day
        and scored_days.usage_date <= episode_spans.last_day

)
{% endmacro %}
