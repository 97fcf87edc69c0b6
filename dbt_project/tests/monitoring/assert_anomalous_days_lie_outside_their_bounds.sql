-- A day of cost_daily_series is anomalous exactly when it is scorable and its actual cost lies
-- outside [lower_bound_cost, upper_bound_cost], or its runs cost more each than usual
-- (is_run_cost_rise, judged on the cost per run, not on the bounds), its re-runs or one branch's
-- pipelines piled up (is_rerun_storm, is_pipeline_loop, judged on what the day is made of): the bounds a reader sees
-- are the ones the score used. A lower bound of 0 flags nothing (no cost falls below nothing; a team's share of
-- an org's rows without a project can come out a few 1e-15 below zero in the seat split).
-- Every row (the series is rebuilt on every run). Names the day.
{% set problems %}
with

series as (

    select * from {{ ref('cost_daily_series') }}

),

final as (

    select
        series_key,
        scope_type || ' ' || coalesce(scope_name, '?') || ' on ' || cast(usage_date as {{ dbt.type_string() }})
            || case when is_anomaly then ' is marked anomalous' else ' is not marked anomalous' end
            || ' with an actual cost of ' || cast(actual_cost as {{ dbt.type_string() }})
            || ' and bounds [' || coalesce(cast(lower_bound_cost as {{ dbt.type_string() }}), 'none')
            || ', ' || coalesce(cast(upper_bound_cost as {{ dbt.type_string() }}), 'none') || ']'
            as problem

    from series
    where is_anomaly is distinct from coalesce(
        is_scorable and (
            actual_cost > upper_bound_cost
            or (actual_cost < lower_bound_cost and lower_bound_cost > 0)
            or is_run_cost_rise
            or is_rerun_storm
            or is_pipeline_loop
        ), false)

)

select * from final
{% endset %}
{{ report_problems(problems) }}
