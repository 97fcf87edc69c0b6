"""The anomaly and budget method, case by case, from the daily costs up to the marts.

Each case gives the rows the method starts from (int_scope_days_filled, and for the driver
agg_daily_costs and fct_team_costs_daily, or for budgets stg_seeds__budgets) and the rows a
mart must show. The scoring runs through several models (int_anomaly_baselines ...
cost_anomalies; int_budget_scopes ... budget_status_monthly), which a dbt unit test cannot
span: it mocks the direct parents of one model. So the given rows are written as tables into
one empty database, every case under its own org (`org_id || '@' || case`), and one real
`dbt run` builds the method's models on them. Each case then reads its own rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import TEST_PRICES, run_dbt, write_seeds

# the models of the method: everything after int_scope_days_filled, agg_daily_costs,
# fct_team_costs_daily and stg_seeds__budgets on the way to the monitoring marts
METHOD_MODELS = [
    "int_anomaly_baseline_lags",
    "int_anomaly_volatility",
    "int_anomaly_run_costs",
    "int_anomaly_reruns",
    "int_anomaly_pipeline_loops",
    "int_anomaly_baselines",
    "int_anomaly_org_days",
    "int_anomaly_days_scored",
    "int_anomaly_episodes",
    "int_anomaly_episode_days",
    "int_anomaly_component_days",
    "int_anomaly_component_changes",
    "int_anomaly_drivers",
    "cost_daily_series",
    "cost_anomalies",
    "int_budget_scopes",
    "int_budget_periods",
    "int_budget_days",
    "int_budget_forecasts",
    "budget_status_monthly",
]
GIVEN_TABLES = {
    "int_scope_days_filled": "intermediate.int_scope_days_filled",
    "int_anomaly_pipeline_days": "intermediate.int_anomaly_pipeline_days",
    "agg_daily_costs": "marts.agg_daily_costs",
    "fct_team_costs_daily": "marts.fct_team_costs_daily",
    "stg_seeds__budgets": "staging.stg_seeds__budgets",
    "stg_seeds__calendar": "staging.stg_seeds__calendar",
}
# the columns a case's rows are made its own by (a suffix '@<case>')
OWN_COLUMNS = {
    "int_scope_days_filled": ["scope_key", "org_id"],
    "int_anomaly_pipeline_days": ["org_id"],
    "agg_daily_costs": ["org_id"],
    "fct_team_costs_daily": ["org_id"],
    "stg_seeds__budgets": ["budget_key"],
    "stg_seeds__calendar": [],
}
# the company calendar of every case: one day off for every org, after the anomaly cases' ten
# weeks and among the budget case's remaining days, and one of another org (ignored)
CALENDAR = """select * from (values
    (date '2026-03-16', 'company day off', 'holiday', cast(null as varchar)),
    (date '2026-03-23', 'another org''s day off', 'holiday', 'org-b'))
    as t(calendar_date, calendar_name, calendar_kind, org_id)"""

# ten weeks from Monday 2026-01-05 of a project costing about 10 USD a weekday (20,000
# credits at 0.0005) and 1 USD a weekend day, alternating +-10 % from week to week
RHYTHM = """(case when i % 7 < 5
    then 20000 + case when (i // 7) % 2 = 0 then 2000 else -2000 end
    else 2000 + case when (i // 7) % 2 = 0 then 200 else -200 end end)"""
NO_JOBS = """select cast(null as varchar) as org_id, cast(null as varchar) as project_id,
    cast(null as varchar) as project_name, cast(null as varchar) as workflow_name,
    cast(null as varchar) as job_name, cast(null as varchar) as resource_class,
    cast(null as date) as usage_date, cast(0 as decimal(38, 9)) as total_credits,
    cast(0 as decimal(38, 9)) as user_credits
where false"""
NO_PIPELINES = """select cast(null as date) as usage_date, cast(null as varchar) as org_id,
    cast(null as varchar) as project_id, 0 as pipelines, 0 as workflow_runs,
    0 as rerun_workflow_runs, cast(0 as decimal(38, 9)) as usage_credits,
    cast(0 as decimal(38, 9)) as rerun_credits, cast(null as varchar) as busiest_branch,
    0 as busiest_branch_pipelines
where false"""
NO_TEAMS = """select cast(null as varchar) as team, cast(null as varchar) as org_id,
    cast(null as varchar) as project_id, cast(null as date) as usage_date,
    cast(0 as decimal(38, 9)) as total_credits
where false"""


def project_days(
    credits: str,
    *,
    scope_key: str = "p1",
    name: str = "api",
    first_day: int = 0,
    price: str = "0.0005",
    runs: str = "case when i % 7 < 5 then 10 else 1 end",
) -> str:
    """int_scope_days_filled rows of one project scope of org-a from day `first_day` to day 69
    (day i is 2026-01-05 + i), costing `credits` (an expression of i) at `price` a credit, in
    `runs` workflow runs (an expression of i; none on a day without credits)."""
    return f"""
select
    '{scope_key}' as scope_key, cast(date '2026-01-05' + i as date) as usage_date,
    'project' as scope_type, 'org-a' as org_id, 'acme' as org_name,
    '{scope_key}' as project_id, '{name}' as project_name,
    cast(null as varchar) as workflow_name, cast(null as varchar) as resource_class,
    cast(null as varchar) as team_name, '{name}' as scope_name,
    cast(date '2026-01-05' + {first_day} as date) as first_usage_date,
    cast(date '2026-01-05' + 69 as date) as last_usage_date,
    i - {first_day} as history_days,
    cast(date '2026-01-05' + 69 as date) as complete_through,
    'USD' as currency, cast({price} as decimal(18, 9)) as price_per_credit,
    runs as workflow_runs,
    case when runs > 0 then cast(credits as double) * credits / runs else 0 end
        as workflow_run_credits_squared,
    cast(credits as decimal(38, 9)) as usage_credits,
    cast(credits * {price} as decimal(38, 18)) as actual_cost,
    cast(0 as decimal(38, 18)) as seat_cost
from (
    select i, credits, case when credits = 0 then 0 else {runs} end as runs
    from (
        select i, {credits} as credits
        from (select cast(n as integer) as i from range({first_day}, 70) as t(n))
    )
)"""


def pipeline_days(
    credits: str,
    *,
    runs: str,
    reruns: str,
    rerun_share: str,
    busiest: str,
    pipelines: str,
) -> str:
    """int_anomaly_pipeline_days rows of project p1 of org-a, days 0 to 69 (day i is
    2026-01-05 + i): `credits`, `runs` workflow runs of which `reruns` re-runs holding
    `rerun_share` of the credits, `pipelines` pipelines of which `busiest` on branch main by
    one trigger user (expressions of i)."""
    return f"""
select
    cast(date '2026-01-05' + i as date) as usage_date, 'org-a' as org_id, 'p1' as project_id,
    {pipelines} as pipelines, {runs} as workflow_runs, {reruns} as rerun_workflow_runs,
    cast({credits} as decimal(38, 9)) as usage_credits,
    cast(({credits}) * ({rerun_share}) as decimal(38, 9)) as rerun_credits,
    'main' as busiest_branch, {busiest} as busiest_branch_pipelines
from (select cast(n as integer) as i from range(70) as t(n))"""


# Friday 2026-03-06 (day 60) costs 50 % more (inside its bounds: a rise of 75 % is needed)
# because 12 failed workflows were re-run, 40 % of its credits, where a Monday usually
# re-runs one workflow (5 %) and other days none
RERUN_STORM = {
    "int_scope_days_filled": project_days(
        f"case when i = 60 then 1.5 * {RHYTHM} else {RHYTHM} end",
        runs="case when i = 60 then 22 when i % 7 < 5 then 10 else 1 end",
    ),
    "int_anomaly_pipeline_days": pipeline_days(
        f"case when i = 60 then 1.5 * {RHYTHM} else {RHYTHM} end",
        runs="case when i = 60 then 22 when i % 7 < 5 then 10 else 1 end",
        reruns="case when i = 60 then 12 when i % 7 = 0 then 1 else 0 end",
        rerun_share="case when i = 60 then 0.4 when i % 7 = 0 then 0.05 else 0 end",
        busiest="case when i % 7 < 5 then 3 else 1 end",
        pipelines="case when i % 7 < 5 then 10 else 1 end",
    ),
}
# Friday 2026-03-06 (day 60) costs 60 % more (inside its bounds) because one trigger user
# started 30 pipelines on branch main, where one user started at most 3 on a branch a day
LOOP = {
    "int_scope_days_filled": project_days(
        f"case when i = 60 then 1.6 * {RHYTHM} else {RHYTHM} end",
        runs="case when i = 60 then 37 when i % 7 < 5 then 10 else 1 end",
    ),
    "int_anomaly_pipeline_days": pipeline_days(
        f"case when i = 60 then 1.6 * {RHYTHM} else {RHYTHM} end",
        runs="case when i = 60 then 37 when i % 7 < 5 then 10 else 1 end",
        reruns="0",
        rerun_share="0",
        busiest="case when i = 60 then 30 when i % 7 < 5 then 3 else 1 end",
        pipelines="case when i = 60 then 37 when i % 7 < 5 then 10 else 1 end",
    ),
}

# from Monday 2026-03-02 the weekdays have 6 workflow runs instead of 10, each costing 2.5
# times as much: the day costs 50 % more
RUN_COST_STEP = project_days(
    f"case when i >= 56 and i % 7 < 5 then 1.5 * {RHYTHM} else {RHYTHM} end",
    runs="case when i >= 56 and i % 7 < 5 then 6 when i % 7 < 5 then 10 else 1 end",
)


@dataclass
class Case:
    """Given rows, and the rows a mart must show (only the columns named)."""

    name: str
    mart: str
    expect: list[dict[str, Any]]
    given: dict[str, str] = field(default_factory=dict)


CASES = [
    # a re-run storm inside the day's bounds is found by its re-runs: one episode, up,
    # flagged on its day, which is its only day
    Case(
        "rerun_storm_is_found_by_its_reruns",
        "cost_anomalies",
        [
            {
                "direction": "up",
                "first_day": date(2026, 3, 6),
                "detected_day": date(2026, 3, 6),
                "last_day": date(2026, 3, 6),
                "actual_cost": 16.5,
            }
        ],
        RERUN_STORM,
    ),
    # a pipeline loop inside the day's bounds is found by its branch: one episode, up
    Case(
        "pipeline_loop_is_found_on_its_branch",
        "cost_anomalies",
        [
            {
                "direction": "up",
                "first_day": date(2026, 3, 6),
                "detected_day": date(2026, 3, 6),
                "last_day": date(2026, 3, 6),
                "actual_cost": 17.6,
            }
        ],
        LOOP,
    ),
    # weekends are a tenth of weekdays, yet no day is an anomaly, so there is no episode
    Case(
        "weekly_rhythm_without_incident_raises_nothing",
        "cost_anomalies",
        [],
        {"int_scope_days_filled": project_days(RHYTHM)},
    ),
    # on Friday 2026-03-06 the project costs 30 USD instead of about 10 (the e2e job on large
    # runs twenty times its usual credits): one episode of one day; expected is the median
    # of the eight previous Fridays (20,000 credits at 0.0005 = 10 USD), impact +20 USD
    # (+200 %), low severity (below 25), and the driver is the e2e job of workflow ci on
    # large, whose cost moved +19.10 USD (40,200 credits against a median of 2,000)
    Case(
        "one_day_spike_is_one_episode_with_its_impact",
        "cost_anomalies",
        [
            {
                "scope_name": "api",
                "direction": "up",
                "first_day": date(2026, 3, 6),
                "detected_day": date(2026, 3, 6),
                "last_day": date(2026, 3, 6),
                "duration_days": 1,
                "anomalous_days": 1,
                "is_active": False,
                "actual_cost": 30,
                "expected_cost": 10,
                "impact_cost": 20,
                "impact_pct": 200,
                "severity": "low",
                "driver_project_name": "api",
                "driver_workflow_name": "ci",
                "driver_job_name": "e2e",
                "driver_resource_class": "large",
                "driver_job_change_cost": 19.1,
                "driver_workflow_change_cost": 20,
            }
        ],
        {
            "int_scope_days_filled": project_days(f"case when i = 60 then 60000 else {RHYTHM} end"),
            "agg_daily_costs": f"""
select 'org-a' as org_id, 'p1' as project_id, 'api' as project_name,
    'ci' as workflow_name, job_name, resource_class,
    cast(date '2026-01-05' + i as date) as usage_date,
    cast(credits as decimal(38, 9)) as total_credits,
    cast(0 as decimal(38, 9)) as user_credits
from (
    select i, 'build' as job_name, 'medium' as resource_class, 0.9 * {RHYTHM} as credits
    from (select cast(n as integer) as i from range(70) as t(n))
    union all
    select i, 'e2e', 'large', (case when i = 60 then 60000 else {RHYTHM} end) - 0.9 * {RHYTHM}
    from (select cast(n as integer) as i from range(70) as t(n))
)""",
        },
    ),
    # on Friday 2026-03-06 the project runs 30 workflows instead of 10, each at its usual
    # cost: the day costs three times its usual (33 USD), outside its bounds, but only its
    # cost says so (no dearer runs, no re-runs, no loop) and Saturday is as usual: a one-day
    # burst is no episode (anomaly_confirm_rises)
    Case(
        "one_day_burst_of_runs_is_no_episode",
        "cost_anomalies",
        [],
        {
            "int_scope_days_filled": project_days(
                f"case when i = 60 then 3 * {RHYTHM} else {RHYTHM} end",
                runs="case when i = 60 then 30 when i % 7 < 5 then 10 else 1 end",
            )
        },
    ),
    # the same burst on Thursday 2026-03-05 and Friday 2026-03-06: Friday confirms
    # Thursday's rise, so one episode from Thursday, raised on Friday
    Case(
        "two_day_burst_of_runs_is_flagged_on_its_second_day",
        "cost_anomalies",
        [
            {
                "direction": "up",
                "first_day": date(2026, 3, 5),
                "detected_day": date(2026, 3, 6),
                "last_day": date(2026, 3, 6),
                "actual_cost": 66,
            }
        ],
        {
            "int_scope_days_filled": project_days(
                f"case when i in (59, 60) then 3 * {RHYTHM} else {RHYTHM} end",
                runs="case when i in (59, 60) then 30 when i % 7 < 5 then 10 else 1 end",
            )
        },
    ),
    # from Monday 2026-03-02 the weekdays cost twice as much, the weekends do not change, and
    # the data ends two weeks later: one episode from the first day of the step to the last
    # weekday (the weekend between does not split it), still active (the last complete day
    # is only two days later)
    Case(
        "step_change_is_one_episode_not_one_per_day",
        "cost_anomalies",
        [
            {
                "direction": "up",
                "first_day": date(2026, 3, 2),
                "detected_day": date(2026, 3, 2),
                "last_day": date(2026, 3, 13),
                "duration_days": 12,
                "is_active": True,
            }
        ],
        {
            "int_scope_days_filled": project_days(
                f"case when i >= 56 and i % 7 < 5 then 2 * {RHYTHM} else {RHYTHM} end"
            )
        },
    ),
    # from Monday 2026-03-02 no usage at all (zero-filled days): one episode, down, from that
    # Monday to the last weekday, -100 %. Expected: five weekdays at 10 USD (the median of
    # eight weeks at 9 and 11), the weekend between at 1 USD a day, then five weekdays at 9
    # USD (the first zero week is in their baseline now, which lowers its median): 97 USD
    Case(
        "drop_to_nothing_is_found_as_a_drop",
        "cost_anomalies",
        [
            {
                "direction": "down",
                "first_day": date(2026, 3, 2),
                "last_day": date(2026, 3, 13),
                "duration_days": 12,
                "is_active": True,
                "actual_cost": 0,
                "expected_cost": 97,
                "impact_cost": -97,
                "impact_pct": -100,
            }
        ],
        {"int_scope_days_filled": project_days(f"case when i >= 56 then 0 else {RHYTHM} end")},
    ),
    # from Monday 2026-03-02 the weekdays have 6 workflow runs instead of 10, each costing 2.5
    # times as much (a job moved to a bigger resource class): the day costs 50 % more, inside
    # its bounds (a rise of 75 % is needed), but its runs cost 150 % more each, against a
    # cost per run that strays by 10 % from week to week: one episode, up, flagged on its
    # first day by its cost per run, to the last weekday (the weekend between, whose runs
    # did not change, is bridged)
    Case(
        "run_cost_step_is_found_by_its_cost_per_run",
        "cost_anomalies",
        [
            {
                "direction": "up",
                "first_day": date(2026, 3, 2),
                "detected_day": date(2026, 3, 2),
                "last_day": date(2026, 3, 13),
                "is_active": True,
            }
        ],
        {
            "int_scope_days_filled": RUN_COST_STEP,
        },
    ),
    # the same case, through its first day: no day before is anomalous; the first day costs
    # 16.50 USD, inside its bounds, and is anomalous by its cost per run alone. Its window is
    # Saturday and Sunday (1 run each, 1,800 credits) and Monday (6 runs, 33,000 credits):
    # 36,600 credits where their runs usually cost 2 x 14,200 / 7 (seven earlier weekends at
    # 2,200 and 1,800 credits a run) + 6 x 2,000 (eight earlier Mondays at 22,000 and 18,000
    # in 10 runs): 128 % more
    Case(
        "run_cost_step_day_is_anomalous_inside_its_bounds",
        "cost_daily_series",
        [
            {"usage_date": date(2026, 1, 5) + timedelta(days=i), "is_anomaly": False}
            for i in range(56)
        ]
        + [
            {
                "usage_date": date(2026, 3, 2),
                "actual_cost": 16.5,
                "expected_cost": 10,
                "is_anomaly": True,
                "anomaly_direction": "up",
                "is_run_cost_rise": True,
                "run_cost_change_pct": 100 * (36600 / (2 * 14200 / 7 + 6 * 2000) - 1),
            }
        ],
        {
            "int_scope_days_filled": f"""select * from ({RUN_COST_STEP})
                where usage_date <= date '2026-03-02'"""
        },
    ),
    # api costs exactly 10 USD every day and 10.01 USD one day; web costs nothing every day
    # and 0.01 USD one day: baselines without any spread (web's is zero) keep a finite, small
    # score through the floors, and no cent is an anomaly
    Case(
        "flat_series_does_not_divide_by_zero_or_alarm_on_a_cent",
        "cost_anomalies",
        [],
        {
            "int_scope_days_filled": project_days("case when i = 65 then 20020 else 20000 end")
            + "\nunion all\n"
            + project_days("case when i = 65 then 20 else 0 end", scope_key="p2", name="web")
        },
    ),
    # first used on 2026-03-02, 10 USD a day for two weeks, then 100 USD on its fourteenth
    # day: not the 28 days of history a scope needs, so nothing is raised
    Case(
        "scope_with_two_weeks_of_history_cannot_alarm",
        "cost_anomalies",
        [],
        {
            "int_scope_days_filled": project_days(
                "case when i = 69 then 10 * 20000 else 20000 end", first_day=56
            )
        },
    ),
    # the usage keeps its rhythm but the price falls from 0.0005 to 0.0001 USD on 2026-03-02
    # (the cost falls by 80 %): the baseline is priced at each day's price, so no drop
    Case(
        "new_contracted_price_is_not_an_anomaly",
        "cost_anomalies",
        [],
        {
            "int_scope_days_filled": project_days(
                RHYTHM, price="case when i >= 56 then 0.0001 else 0.0005 end"
            )
        },
    ),
    # two weeks of history: every day is in the series, none scorable, none anomalous
    Case(
        "young_scope_days_are_not_scorable",
        "cost_daily_series",
        [
            {
                "scope_key": "p1",
                "usage_date": date(2026, 3, 2 + d),
                "is_scorable": False,
                "is_anomaly": False,
                "anomaly_id": None,
            }
            for d in range(14)
        ],
        {
            "int_scope_days_filled": project_days(
                "case when i = 69 then 10 * 20000 else 20000 end", first_day=56
            )
        },
    ),
    # project budgeted-api costs 10 USD a weekday, 2 USD a weekend day, and 20 USD a Monday
    # (50 on the first two Mondays of February, outside the forecast's four weeks); data is
    # complete through Tuesday 2026-03-10. March: 96 USD to date (Sun 2, Mon 20, Tue-Fri 40,
    # weekend 4, Mon 20, Tue 10); the 21 remaining days are three Mondays, one of them (03-16)
    # a company day off forecast like a weekend day at 2 and two at 20, twelve other weekdays
    # at 10 and six weekend days at 2 = 174; forecast 270 against 200: 48 % used, no threshold
    # crossed, 135 % forecast, at risk. February (past, 316 USD: two Mondays at 50,
    # two at 20, sixteen weekdays at 10, eight weekend days at 2) against 300: over, every
    # threshold.
    Case(
        "budget_forecast_matches_a_hand_computed_month",
        "budget_status_monthly",
        [
            {
                "budget_month": date(2026, 3, 1),
                "matched_scopes": 1,
                "month_state": "current",
                "as_of_date": date(2026, 3, 10),
                "days_in_month": 31,
                "days_complete": 10,
                "days_remaining": 21,
                "cost_to_date": 96,
                "forecast_cost": 270,
                "pct_used": 48,
                "forecast_pct": 135,
                "thresholds_crossed": None,
                "highest_threshold_crossed_pct": None,
                "status": "at risk",
            },
            {
                "budget_month": date(2026, 2, 1),
                "matched_scopes": 1,
                "month_state": "past",
                "as_of_date": date(2026, 3, 10),
                "days_in_month": 28,
                "days_complete": 28,
                "days_remaining": 0,
                "cost_to_date": 316,
                "forecast_cost": 316,
                "pct_used": 105.33,
                "forecast_pct": 105.33,
                "thresholds_crossed": "50%, 80%, 100%",
                "highest_threshold_crossed_pct": 100,
                "status": "over",
            },
        ],
        {
            "stg_seeds__budgets": """
select budget_key, 'project' as scope_type, 'budgeted-api' as scope,
    cast(budget_month as date) as budget_month, cast(budget_month as date) as month_as_written,
    cast(budget_amount as decimal(38, 18)) as budget_amount,
    cast(budget_amount as varchar) as budget_amount_as_written, 'USD' as currency
from (values ('project:budgeted-api:2026-03-01', '2026-03-01', 200),
    ('project:budgeted-api:2026-02-01', '2026-02-01', 300))
    as t(budget_key, budget_month, budget_amount)""",
            "int_scope_days_filled": """
select
    'p1' as scope_key, d as usage_date, 'project' as scope_type, 'org-a' as org_id,
    'acme' as org_name, 'p1' as project_id, 'budgeted-api' as project_name,
    cast(null as varchar) as team_name, date '2026-03-10' as complete_through,
    'USD' as currency,
    cast(case
        when dayofweek(d) in (0, 6) then 2
        when dayofweek(d) = 1 and d < date '2026-02-11' then 50
        when dayofweek(d) = 1 then 20
        else 10
    end as decimal(38, 18)) as actual_cost,
    cast(0 as decimal(38, 18)) as seat_cost
from (
    select cast(date '2026-02-01' + i as date) as d
    from (select cast(n as integer) as i from range(38) as t(n))
)""",
        },
    ),
]


def _own(case: Case, table: str, sql: str) -> str:
    """The case's rows of `table`, its keys made its own."""
    replaced = ", ".join(f"{c} || '@{case.name}' as {c}" for c in OWN_COLUMNS[table])
    if not replaced:
        return sql
    return f"select * replace ({replaced}) from ({sql})"


@pytest.fixture(scope="module")
def method_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case's given rows in one database, and the method's models built on them."""
    work = tmp_path_factory.mktemp("method")
    db = work / "method.duckdb"
    with duckdb.connect(str(db)) as con:
        for table, relation in GIVEN_TABLES.items():
            parts = [_own(c, table, c.given.get(table, "")) for c in CASES if table in c.given]
            empty = {
                "int_anomaly_pipeline_days": NO_PIPELINES,
                "agg_daily_costs": NO_JOBS,
                "fct_team_costs_daily": NO_TEAMS,
                "stg_seeds__calendar": CALENDAR,
            }
            if table in empty:
                parts.append(empty[table])
            con.execute(f"create schema if not exists {relation.split('.')[0]}")
            con.execute(f"create table {relation} as " + "\nunion all by name\n".join(parts))
    seeds = write_seeds(work / "seeds", TEST_PRICES)
    run = run_dbt(["run", "--select", *METHOD_MODELS], db=db, seeds=seeds, work=work)
    assert run.returncode == 0, run.output[-4000:]
    return db


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or expected is None or isinstance(actual, bool):
        return bool(expected is actual or expected == actual)
    if isinstance(expected, int | float | Decimal) and isinstance(actual, int | float | Decimal):
        return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-9)
    return bool(expected == actual)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_method_case(method_db: Path, case: Case) -> None:
    key = "budget_key" if case.mart == "budget_status_monthly" else "org_id"
    with duckdb.connect(str(method_db), read_only=True) as con:
        cursor = con.execute(
            f"select * from marts.{case.mart} where {key} like ? order by all",
            [f"%@{case.name}"],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    suffix = f"@{case.name}"
    actual = [
        {k: v.removesuffix(suffix) if isinstance(v, str) else v for k, v in row.items()}
        for row in rows
    ]
    assert len(actual) == len(case.expect), actual
    unmatched = list(actual)
    for expected in case.expect:
        match = next(
            (
                row
                for row in unmatched
                if all(_same(value, row[column]) for column, value in expected.items())
            ),
            None,
        )
        assert match is not None, (expected, [{c: r[c] for c in expected} for r in unmatched])
        unmatched.remove(match)


@pytest.mark.parametrize(
    ("case", "prefix", "suffix"),
    [
        (
            "run_cost_step_is_found_by_its_cost_per_run",
            "flagged on 2026-03-02: 16.50 USD, its workflow runs of the last 3 days cost 128% "
            "more each than this scope's runs usually do, ",
            " times the usual spread of its cost per run",
        ),
        (
            "rerun_storm_is_found_by_its_reruns",
            "flagged on 2026-03-06: 16.50 USD, 40% of it in re-runs of workflows (12 re-run "
            "workflow runs) where its days of the weeks before had at most 5%",
            ": a re-run storm",
        ),
        (
            "pipeline_loop_is_found_on_its_branch",
            "flagged on 2026-03-06: 17.60 USD, 30 pipelines on branch main by one trigger user, "
            "where the weeks before had at most 3 a day",
            ": a pipeline loop?",
        ),
        (
            "two_day_burst_of_runs_is_flagged_on_its_second_day",
            "flagged on 2026-03-06: a rise confirmed by the next day; on 2026-03-05 33.00 USD, "
            "outside the ",
            " times its usual spread",
        ),
        (
            "drop_to_nothing_is_found_as_a_drop",
            "flagged on 2026-03-02: 0.00 USD, outside the 0.64 to 18.90 this scope spends on such "
            "a day (expected 10.00), ",
            " times its usual spread",
        ),
    ],
)
def test_episode_says_why_it_was_flagged(
    method_db: Path, case: str, prefix: str, suffix: str
) -> None:
    """why_flagged names the test that raised the episode, in one line."""
    with duckdb.connect(str(method_db), read_only=True) as con:
        [(why,)] = con.execute(
            "select why_flagged from marts.cost_anomalies where org_id = ?", [f"org-a@{case}"]
        ).fetchall()
    assert why.startswith(prefix), why
    assert why.endswith(suffix), why
    assert "\n" not in why


def test_the_tail_quantile_is_read_as_a_standard_deviation_at_its_own_point(
    tmp_path: Path,
) -> None:
    # the usual rise is the tail quantile over the normal distribution's same point: 1.6449 for
    # a 95 % quantile (not the 90 % point, 1.2816); a percentage without a known point is named
    seeds = write_seeds(tmp_path / "seeds", TEST_PRICES)
    models = ["int_anomaly_days_scored", "int_anomaly_run_costs"]
    args = ["compile", "--select", *models, "--vars", "{anomaly_tail_quantile_pct: 95}"]
    run = run_dbt(args, db=tmp_path / "db.duckdb", seeds=seeds, work=tmp_path / "w95")
    assert run.returncode == 0, run.output[-4000:]
    compiled = tmp_path / "w95" / "target" / "compiled" / "circleci_costs" / "models"
    for model in models:
        [sql] = compiled.rglob(f"{model}.sql")
        text = sql.read_text()
        assert "/ 1.6449" in text and "1.2816" not in text, model
    args[-1] = "{anomaly_tail_quantile_pct: 93}"
    run = run_dbt(args, db=tmp_path / "db.duckdb", seeds=seeds, work=tmp_path / "w93")
    assert run.returncode != 0
    assert "anomaly_tail_quantile_pct must be one of 75, 80, 85, 90, 95, 97.5 or 99 (got 93)" in (
        run.output
    )


def test_a_baseline_of_no_weeks_stops_any_model_that_reads_the_weeks(tmp_path: Path) -> None:
    # the baselines read the weeks through a window, not through int_anomaly_baseline_lags:
    # compiled alone, each still refuses 0 weeks
    seeds = write_seeds(tmp_path / "seeds", TEST_PRICES)
    args = ["compile", "--select", "int_anomaly_volatility", "int_anomaly_baselines"]
    run = run_dbt(
        [*args, "--vars", "{anomaly_baseline_weeks: 0}"],
        db=tmp_path / "db.duckdb",
        seeds=seeds,
        work=tmp_path / "w0",
    )
    assert run.returncode != 0
    assert "anomaly_baseline_weeks must be at least 1 (got 0)" in run.output
