{#
  The UTC calendar date of a TIMESTAMP WITH TIME ZONE, whatever the session time zone.
  (The profile sets TimeZone=UTC as well; this does not depend on it.)
  Dispatched so another adapter can supply its own spelling.
#}
{% macro utc_date(timestamp_tz) -%}
    {{ return(adapter.dispatch('utc_date', 'circleci_costs')(timestamp_tz)) }}
{%- endmacro %}

{% macro default__utc_date(timestamp_tz) -%}
    cast(({{ timestamp_tz }} at time zone 'UTC') as date)
{%- endmacro %}
