/*
  int_anomaly_baseline_lags: one row per week back, 1 .. var('anomaly_baseline_weeks'): the
  same weekday 1, 2, .. N weeks before a day, whose values make its baseline. Read by
  int_anomaly_component_changes, which finds a component's baseline days by joining on it
  (int_anomaly_baselines and int_anomaly_volatility read the same weeks of a scope's
  contiguous days with a window: macros/statistics.sql, same_weekdays_before).

  Guarantees:
  - weeks_back runs from 1 to var('anomaly_baseline_weeks'), each once (unique and not_null
    in the YAML).
*/

{%- set weeks = baseline_weeks() %}

with

final as (

    -- DuckDB's range(start, stop): stop is exclusive
    select cast(range as integer) as weeks_back
    from range(1, {{ weeks + 1 }})

)

select * from final
