{#
  The exact decimal types money travels in. Floats are never used for credits or money:
  summing floats would break "to the cent" conservation.

  credits: the loader's contract, DECIMAL(38, 9).
  price:   a price per credit with up to 9 decimals (0.0006, 0.000512345).
  money:   credits x price is exact at scale 9 + 9 = 18, so nothing is rounded before a sum;
           20 integer digits leave room for any CI bill.
#}
{% macro credits_type() %}decimal(38, 9){% endmacro %}

{% macro price_type() %}decimal(18, 9){% endmacro %}

{% macro money_type() %}decimal(38, 18){% endmacro %}

{#
  The credit types of the usage export, in export order: <type>_credits columns, and the
  <type>_cost columns derived from them. total_credits / total_cost come on top of these.
#}
{% macro credit_types() %}
    {{ return(['compute', 'dlc', 'user', 'storage', 'network', 'lease', 'lease_overage', 'ipranges']) }}
{% endmacro %}

{#
  Cast, or NULL where the value does not convert (dbt.safe_cast is a plain cast on DuckDB).
  For user input that a test then reports, such as a price typed as "cheap".
#}
{% macro try_cast(expression, type) -%}
    {{ return(adapter.dispatch('try_cast', 'circleci_costs')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
