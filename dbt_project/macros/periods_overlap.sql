{#
  periods_overlap(a, b): true when two rows' date periods share a day. Each period runs from
  effective_from to effective_until, both inclusive; a null effective_until is open-ended.
  The shared days run from greatest(a.effective_from, b.effective_from) to
  least(a.effective_until, b.effective_until) (DuckDB's least skips nulls: null only when
  both are open).
#}
{% macro periods_overlap(a, b) -%}
    ({{ a }}.effective_until is null or {{ b }}.effective_from <= {{ a }}.effective_until)
    and ({{ b }}.effective_until is null or {{ a }}.effective_from <= {{ b }}.effective_until)
{%- endmacro %}
