-- No two rows of credit_prices.csv with the same scope (the same org, or both for all orgs)
-- cover the same day: which price applies must never be a matter of chance.
-- (An org's own row may overlap an all-orgs row: the org's row wins.)
{% set problems %}
with

credit_prices as (

    select
        *,
        row_number() over (
            order by org_id, effective_from, effective_until, price_per_credit, currency, price_note
        ) as row_number_in_list

    from {{ ref('stg_seeds__credit_prices') }}
    -- rows without a start or ending before they start fail assert_credit_prices_end_after_they_start
    where effective_from is not null
        and (effective_until is null or effective_until >= effective_from)

),

overlapping_prices as (

    select
        earlier.org_id,
        greatest(earlier.effective_from, later.effective_from) as overlap_from,
        least(earlier.effective_until, later.effective_until) as overlap_until,
        {{ credit_price_label('earlier') }} as earlier_label,
        {{ credit_price_label('later') }} as later_label,
        earlier.price_key as earlier_price_key,
        later.price_key as later_price_key

    from credit_prices as earlier
    inner join credit_prices as later
        on earlier.org_id is not distinct from later.org_id
        and earlier.row_number_in_list < later.row_number_in_list
        and {{ periods_overlap('earlier', 'later') }}

)

select
    'credit_prices.csv rows ' || earlier_label || ' and ' || later_label
        || ' overlap for ' || coalesce(org_id, 'all orgs')
        || ' from ' || cast(overlap_from as {{ dbt.type_string() }})
        || ' until ' || coalesce(cast(overlap_until as {{ dbt.type_string() }}), 'ongoing')
        || ': end one the day before the other starts' as problem,
    overlapping_prices.*

from overlapping_prices
{% endset %}
{{ report_problems(problems) }}
