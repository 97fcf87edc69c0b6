{# How a test names a row of credit_prices.csv: its scope, start, price and note. #}
{% macro credit_price_label(alias) -%}
    '[' || coalesce({{ alias }}.org_id, 'all orgs')
    || ' from ' || coalesce(cast({{ alias }}.effective_from as {{ dbt.type_string() }}), '(blank)')
    || ' until ' || coalesce(cast({{ alias }}.effective_until as {{ dbt.type_string() }}), 'ongoing')
    || ': ' || coalesce(cast({{ alias }}.price_per_credit as {{ dbt.type_string() }}), '(blank)')
    || ' ' || coalesce({{ alias }}.currency, '(no currency)')
    || coalesce(' "' || {{ alias }}.price_note || '"', '') || ']'
{%- endmacro %}
