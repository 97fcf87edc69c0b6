{# How a test names a row of credit_prices.csv: its scope, start, price and note. #}
{% macro credit_price_label(alias) -%}
    '[' || coalesce({{ alias }}.org_id, 'all orgs')
    || ' from ' || coalesce(cast({{ alias }}.effective_from as {{ dbt.type_string() }}), '(blank)')
    || ' until ' || coalesce(cast({{ alias }}.effective_until as {{ dbt.type_string() }}), 'ongoing')
    || ': ' || coalesce({{ alias }}.price_per_credit_as_written, '(blank)')
    || ' ' || coalesce({{ alias }}.currency, '(no currency)')
    || coalesce(' "' || {{ alias }}.price_note || '"', '') || ']'
{%- endmacro %}
