{#
  on-run-start guard. dbt writes the SQL it ran for a seed to target/run/<project>/<seed path>;
  when the seed path is absolute that is the seed's own CSV, which dbt then overwrites with SQL
  (dbt-core issue 7373). So CIRCLECI_COSTS_SEEDS must be relative to dbt_project/
  (../seeds, ../demo/seeds): stop before any seed is loaded if it is not.
#}
{% macro assert_seed_paths_are_relative() %}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'seed' -%}
            {%- set path = node.original_file_path -%}
            {%- if path.startswith('/') or path.startswith('\\') or modules.re.match('^[A-Za-z]:', path) -%}
                {{ exceptions.raise_compiler_error(
                    "Seed " ~ node.name ~ " is read from an absolute path (" ~ path ~ "). "
                    ~ "Set CIRCLECI_COSTS_SEEDS to a path relative to dbt_project/, such as ../demo/seeds: "
                    ~ "dbt would overwrite a seed read from an absolute path with SQL (dbt-core issue 7373)."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}
