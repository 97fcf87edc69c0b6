{#
  For conservation tests: sums `measures` of two queries per `keys` and returns one row per
  key and measure where they differ, with a readable `problem`. Exact comparison (money is
  exact decimal here), so any difference of a cent, or of a billionth of one, fails.
  A group missing on one side counts as zero there: a zero-cost month is no difference.
#}
{% macro compare_sums(expected_sql, actual_sql, keys, measures, expected_name, actual_name) %}
    {%- set key_list = keys | join(', ') -%}
    with

    expected as (
        select {{ key_list }},
            {%- for measure in measures %}
            sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}
        from ({{ expected_sql }}) as expected_rows
        group by {{ key_list }}
    ),

    actual as (
        select {{ key_list }},
            {%- for measure in measures %}
            sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}
        from ({{ actual_sql }}) as actual_rows
        group by {{ key_list }}
    ),

    joined as (
        select
            {%- for key in keys %}
            coalesce(expected.{{ key }}, actual.{{ key }}) as {{ key }},
            {%- endfor %}
            {%- for measure in measures %}
            coalesce(expected.{{ measure }}, 0) as expected_{{ measure }},
            coalesce(actual.{{ measure }}, 0) as actual_{{ measure }}{{ ',' if not loop.last }}
            {%- endfor %}
        from expected
        full outer join actual
            on {% for key in keys -%}
            expected.{{ key }} is not distinct from actual.{{ key }}
            {%- if not loop.last %} and {% endif -%}
            {%- endfor %}
    ),

    differences as (
        {%- for measure in measures %}
        select
            {{ key_list }},
            '{{ measure }}' as measure,
            cast(expected_{{ measure }} as {{ dbt.type_string() }}) as expected_value,
            cast(actual_{{ measure }} as {{ dbt.type_string() }}) as actual_value
        from joined
        where expected_{{ measure }} <> actual_{{ measure }}
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )

    select
        '{{ actual_name }}.' || measure || ' for '
        {%- for key in keys %}
        || '{{ key }}=' || coalesce(cast({{ key }} as {{ dbt.type_string() }}), 'NULL')
        {{- " || ', '" if not loop.last }}
        {%- endfor %}
        || ' is ' || actual_value || ' but {{ expected_name }} sums to ' || expected_value
            as problem,
        differences.*
    from differences
{% endmacro %}
