/*
  rightsizing_recommendations: one row per org x project x workflow x job x executor x
  current resource class with at least var('rightsizing_min_runs') job runs in the last
  var('rightsizing_lookback_days') complete UTC days of its org.

  Guarantees (tested):
  - total_cost equals fct_job_run_costs over the same job runs, exactly
    (assert_rightsizing_recommendations_conserve_cost);
  - the class choice at each boundary and the rate precedence (unit tests in
    intermediate/rightsizing/_rightsizing__intermediate.yml);
  - every class the export shows is in resource_classes.csv
    (assert_every_resource_class_used_is_in_the_seed).
  The savings are estimates: compute cost only (Docker layer caching, storage and network do
  not depend on the class), priced at the period's cost per credit, with the assumption in
  `estimate_assumption`. Money in `currency`, unrounded.
*/

with

choices as (

    select * from {{ ref('int_rightsizing_class_choice') }}

),

org_rates as (

    select * from {{ ref('int_resource_class_rates') }}

),

rated as (

    select
        choices.*,
        current_rate.credits_per_minute as credits_per_minute,
        recommended_rate.credits_per_minute as recommended_credits_per_minute,
        -- the run time on the recommended class, relative to now: the same unless the job is
        -- CPU-bound and moves up, when it is taken to scale with the vCPUs
        case
            when choices.action = 'upsize' and choices.bottleneck = 'cpu'
                then choices.vcpus / choices.recommended_vcpus
            else 1.0
        end as duration_factor,
        {{ dbt.datediff('period_start', 'period_end', 'day') }} + 1 as period_days

    from choices
    left join org_rates as current_rate
        on choices.org_id = current_rate.org_id
        and choices.executor = current_rate.executor
        and choices.resource_class = current_rate.resource_class
    left join org_rates as recommended_rate
        on choices.org_id = recommended_rate.org_id
        and choices.executor = recommended_rate.executor
        and choices.recommended_class = recommended_rate.resource_class

),

priced as (

    select
        *,
        cast(total_cost * 365.25 / 12 / period_days as {{ money_type() }}) as cost_per_month,
        cast(compute_cost * 365.25 / 12 / period_days as {{ money_type() }})
            as compute_cost_per_month,
        case
            when action in ('upsize', 'downsize') then cast(
                compute_cost * 365.25 / 12 / period_days
                * (1 - cast(recommended_credits_per_minute as double precision)
                    / cast(credits_per_minute as double precision) * duration_factor)
                as {{ money_type() }}
            )
        end as estimated_savings_per_month

    from rated

),

described as (

    select
        *,
        case
            when action = 'no_data' then 'none'
            when measured_job_runs >= 3 * {{ var('rightsizing_min_runs') | int }}
                and measured_job_runs >= 0.8 * job_runs then 'high'
            else 'medium'
        end as confidence,
        case
            when action = 'downsize'
                then 'same run time: the job uses less than the smaller class holds, so CPU is not its bottleneck'
            when action = 'upsize' and bottleneck = 'cpu'
                then 'run time shrinks in proportion to the vCPUs (' || cast(vcpus as {{ dbt.type_string() }})
                    || ' to ' || cast(recommended_vcpus as {{ dbt.type_string() }}) || '): the most a CPU-bound job gains'
            when action = 'upsize'
                then 'same run time: more RAM removes the out-of-memory risk, not work'
        end as estimate_assumption,
        'p95 max RAM ' || format('{:.1f}', p95_max_ram_gib) || ' GiB of '
            || format('{:g}', ram_gib) || '; p95 max CPU '
            || format('{:.1f}', p95_max_cpu_vcpus) || ' of '
            || format('{:g}', vcpus) || ' vCPUs' as utilisation_summary,
        case
            when estimated_savings_per_month is null
                then 'savings unknown (resource_classes.csv has no credits per minute for '
                    || coalesce(case when credits_per_minute is null then resource_class end, recommended_class)
                    || ')'
            when estimated_savings_per_month >= 0
                then 'saves ' || format('{:,.0f}', estimated_savings_per_month) || ' ' || currency || ' a month'
            else 'costs ' || format('{:,.0f}', -estimated_savings_per_month) || ' ' || currency || ' a month more'
        end as money_summary

    from priced

),

final as (

    select
        {{ surrogate_key([
            'org_id', 'project_id', 'workflow_name', 'job_name', 'executor', 'resource_class'
        ]) }} as rightsizing_key,
        org_id,
        org_name,
        project_id,
        project_name,
        workflow_name,
        job_name,
        executor,
        resource_class,
        period_start,
        period_end,
        job_runs,
        measured_job_runs,
        job_run_seconds,
        compute_credits,
        total_credits,
        currency,
        compute_cost,
        total_cost,
        cost_per_month,
        compute_cost_per_month,
        vcpus,
        ram_gib,
        credits_per_minute,
        p50_median_cpu_pct,
        p95_median_cpu_pct,
        p50_max_cpu_pct,
        p95_max_cpu_pct,
        p50_median_ram_pct,
        p95_median_ram_pct,
        p50_max_ram_pct,
        p95_max_ram_pct,
        p50_median_cpu_vcpus,
        p95_median_cpu_vcpus,
        p50_max_cpu_vcpus,
        p95_max_cpu_vcpus,
        p50_median_ram_gib,
        p95_median_ram_gib,
        p50_max_ram_gib,
        p95_max_ram_gib,
        action,
        bottleneck,
        recommended_class,
        recommended_vcpus,
        recommended_ram_gib,
        recommended_credits_per_minute,
        estimated_savings_per_month,
        estimate_assumption,
        confidence,
        case action
            when 'no_data' then 'only ' || cast(measured_job_runs as {{ dbt.type_string() }}) || ' of '
                || cast(job_runs as {{ dbt.type_string() }})
                || ' runs have utilisation (CircleCI records none for runs under 15 s): too few to judge'
            when 'downsize' then utilisation_summary || ': ' || recommended_class || ' fits, '
                || money_summary
            when 'upsize' then case bottleneck
                when 'ram' then 'p95 max RAM ' || format('{:.1f}', p95_max_ram_gib)
                    || ' GiB of ' || format('{:g}', ram_gib) || ': out-of-memory risk; '
                else 'median CPU ' || format('{:.0f}', p50_median_cpu_pct)
                    || ' % of ' || format('{:g}', vcpus) || ' vCPUs: saturated; '
                end || recommended_class || ' ' || money_summary
            when 'keep' then utilisation_summary || ': ' || case
                when bottleneck is not null then 'at its limit, but there is no larger class'
                when next_size_down is null then 'already the smallest class'
                else next_size_down || ' would leave less than '
                    || '{{ var("rightsizing_headroom_pct") }} % headroom'
                end
        end as reason

    from described

)

select * from final
