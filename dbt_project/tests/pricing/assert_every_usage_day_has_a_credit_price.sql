-- Every org and UTC day with usage has a credit price: a day no row of credit_prices.csv
-- covers would otherwise be priced at nothing. Names each org and its unpriced days, as ranges.
{% set problems %}
with

unpriced_days as (

    select
        org_id,
        org_name,
        usage_date,
        usage_rows,
        total_credits,
        row_number() over (partition by org_id order by usage_date) as day_number

    from {{ ref('int_org_days_priced') }}
    where price_key is null

),

runs_of_days as (

    -- consecutive days share the same anchor: usage_date minus its rank
    select
        *,
        cast({{ dbt.dateadd('day', '-1 * day_number', 'usage_date') }} as date) as run_anchor

    from unpriced_days

),

day_ranges as (

    select
        org_id,
        max(org_name) as org_name,
        min(usage_date) as first_day,
        max(usage_date) as last_day,
        count(*) as days,
        sum(usage_rows) as usage_rows,
        sum(total_credits) as total_credits

    from runs_of_days
    group by org_id, run_anchor

),

by_org as (

    select
        org_id,
        max(org_name) as org_name,
        sum(days) as days,
        sum(usage_rows) as usage_rows,
        sum(total_credits) as total_credits,
        {{ dbt.listagg(
            "case when first_day = last_day then cast(first_day as " ~ dbt.type_string() ~ ")"
            ~ " else cast(first_day as " ~ dbt.type_string() ~ ") || '..' || cast(last_day as " ~ dbt.type_string() ~ ") end",
            "', '",
            "order by first_day"
        ) }} as day_list

    from day_ranges
    group by org_id

)

select
    'org ' || coalesce(org_id, 'NULL') || coalesce(' (' || org_name || ')', '')
        || ' has usage on ' || cast(days as {{ dbt.type_string() }})
        || ' day(s) that no credit price covers: ' || day_list
        || ' (' || cast(usage_rows as {{ dbt.type_string() }}) || ' usage rows, '
        || cast(total_credits as {{ dbt.type_string() }}) || ' credits)'
        || '; add a row to credit_prices.csv that covers them' as problem,
    by_org.*

from by_org
{% endset %}
{{ report_problems(problems) }}
