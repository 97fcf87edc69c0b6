{#
  A percentage for a sentence: `+136 %`, `-40 %` (rounded to whole percent); NULL stays NULL.
#}
{% macro signed_pct(pct) -%}
    (case when {{ pct }} >= 0 then '+' else '' end || cast(cast(round({{ pct }}) as bigint) as {{ dbt.type_string() }}) || ' %')
{%- endmacro %}
