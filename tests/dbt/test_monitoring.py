"""The anomaly and budget marts on real builds: what they promise, checked from outside.

The clean session build has header-only budgets and no incident worth an alarm. A scenario
then changes the raw data the way the marts must notice:
- a runaway on project ios-app (org acme): from 2026-10-07 to 2026-10-11 one extra workflow
  run a day with twenty one-hour macOS builds, which must come out as one episode, flagged on
  its first day, with the right driver and about the right impact (one huge run a day: the
  first day of a runaway must not teach the score that huge runs are normal);
- acme's data ends on 2026-10-20 (mid-month, so budgets need a forecast), while globex has a
  row started today, which must never make today (an incomplete day) part of the series;
- budgets.csv with org, project and team budgets, checked against a reference computed here
  from fct_job_run_costs and fct_team_costs_daily by the documented rule, and one budget that
  names no project (a warning that names it).
The scenario keeps the main build's team rules and shared costs: the runaway's project belongs
to team mobile, which must see it too. Finally a cent added to the series on a copy must fail
the conservation tests (the org's, and the teams' against their org), by name.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import (
    ROUTINE_BUILD,
    TEST_PRICES,
    TEST_SHARED_COSTS,
    TEST_TEAM_RULES,
    Build,
    DbtRun,
    copy_db,
    run_dbt,
    write_seeds,
)
from raw_usage import ORG_A, ORG_B

MARTS = ("cost_daily_series", "cost_anomalies", "budget_status_monthly")
RUNAWAY_DAYS = [date(2026, 10, 7) + timedelta(days=i) for i in range(5)]
RUNAWAY_BUILDS_PER_DAY = 20
RUNAWAY_CREDITS = Decimal(9000)  # one hour at 150 credits a minute
ACME_LAST_DAY = date(2026, 10, 20)
BUDGETS = """scope_type,scope,month,budget_amount,currency
org,acme,2026-10-01,400,USD
project,ios-app,2026-10-01,50,USD
project,acme/web,2026-10-01,5000,USD
project,no-such-project,2026-10-01,10,USD
team,mobile,2026-10-01,60,USD
"""


def query(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_header_only_budgets_load_typed_and_build_empty(build: Build) -> None:
    columns = {
        r["column_name"]: r["data_type"]
        for r in query(
            build.db,
            """select column_name, data_type from information_schema.columns
               where table_schema = 'seeds' and table_name = 'budgets'""",
        )
    }
    assert columns == {
        "scope_type": "VARCHAR",
        "scope": "VARCHAR",
        "month": "DATE",
        "budget_amount": "VARCHAR",
        "currency": "VARCHAR",
    }
    [row] = query(build.db, "select count(*) as n from marts.budget_status_monthly")
    assert row["n"] == 0
    for test in ("assert_budgets_are_valid", "assert_budgets_name_known_scopes"):
        assert build.run.status(test) == "pass", test


def test_monitoring_marts_are_documented_with_money_and_currency(build: Build) -> None:
    manifest = json.loads((build.work / "target" / "manifest.json").read_text())
    for name in MARTS:
        node = manifest["nodes"][f"model.circleci_costs.{name}"]
        assert "one row per" in node["description"].lower(), name
        columns = [
            r["column_name"]
            for r in query(
                build.db,
                f"""select column_name from information_schema.columns
                    where table_schema = 'marts' and table_name = '{name}'""",
            )
        ]
        documented = node["columns"]
        assert set(columns) == set(documented), (name, set(columns) ^ set(documented))
        for column in columns:
            doc = documented[column]
            assert doc["description"].strip(), (name, column)
            meta = doc.get("config", {}).get("meta") or doc.get("meta") or {}
            if column.endswith("_cost") or column == "budget_amount":
                assert meta.get("unit") == "money", (name, column)
                assert meta["currency_column"] in columns, (name, column)
            if column.endswith("_credits"):
                assert meta.get("unit") == "credits", (name, column)


def test_series_is_zero_filled_and_leaves_seats_out(build: Build) -> None:
    """Every scope has one row per day from its first usage on, and no seat cost in it."""
    fct = query(
        build.db,
        """select org_id, project_id, usage_date,
                  sum(total_cost - user_cost) as cost, sum(user_cost) as seats
           from marts.fct_job_run_costs group by all""",
    )
    series = query(
        build.db,
        """select scope_type, org_id, project_id, usage_date, actual_cost
           from marts.cost_daily_series where scope_type in ('org', 'project')""",
    )
    want: dict[tuple, Decimal] = defaultdict(Decimal)
    for r in fct:
        want[("org", r["org_id"], None, r["usage_date"])] += r["cost"]
        if r["project_id"]:
            want[("project", r["org_id"], r["project_id"], r["usage_date"])] += r["cost"]
    got = {(r["scope_type"], r["org_id"], r["project_id"], r["usage_date"]): r for r in series}
    days_by_scope: dict[tuple, list[date]] = defaultdict(list)
    for key, row in got.items():
        assert row["actual_cost"] == want.get(key, Decimal(0)), key
        days_by_scope[key[:3]].append(key[3])
    for scope, days in days_by_scope.items():
        first, last = min(days), max(days)
        assert len(days) == (last - first).days + 1, f"{scope} has gaps"
    # the seat rows are real and large, and still no org series carries them
    assert sum(r["seats"] for r in fct) > 0
    last_loaded = max(r["usage_date"] for r in fct)
    assert max(d for days in days_by_scope.values() for d in days) == last_loaded


@pytest.fixture(scope="module")
def scenario(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("monitoring")
    db = copy_db(build.db, work / "circleci_costs.duckdb")
    seeds = write_seeds(
        work / "seeds", TEST_PRICES, team_rules=TEST_TEAM_RULES, shared_costs=TEST_SHARED_COSTS
    )
    (seeds / "budgets.csv").write_text(BUDGETS)
    raw = "circleci_raw.usage_job_runs"
    day_of = "coalesce(cast(job_run_started_at as date), job_run_date)"
    today = datetime.now(UTC).date()
    with duckdb.connect(str(db)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"delete from {raw} where organization_id = ? and {day_of} > ?", [ORG_A, ACME_LAST_DAY]
        )
        template = (
            f"select * from {raw} where project_name = 'ios-app' and compute_credits > 0 "
            "order by usage_row_id limit 1"
        )
        zero = "cast(0 as decimal(38, 9))"
        for day in RUNAWAY_DAYS:
            for n in range(RUNAWAY_BUILDS_PER_DAY):
                start = datetime(day.year, day.month, day.day, 1 + n, 0, tzinfo=UTC)
                con.execute(
                    f"""insert into {raw} select * replace (
                        ? as usage_row_id, ? as job_id, ? as workflow_id, ? as job_run_date,
                        ? as job_run_started_at, ? as job_run_stopped_at,
                        3600 as job_run_seconds, 'build-ios' as job_name,
                        cast(? as decimal(38, 9)) as compute_credits,
                        {zero} as dlc_credits, {zero} as user_credits,
                        {zero} as storage_credits, {zero} as network_credits,
                        {zero} as lease_credits, {zero} as lease_overage_credits,
                        {zero} as ipranges_credits, cast(? as decimal(38, 9)) as total_credits
                    ) from ({template})""",
                    [
                        f"runaway-{day}-{n}",
                        f"runaway-{day}-{n}",
                        f"runaway-workflow-{day}",
                        day,
                        start,
                        start + timedelta(hours=1),
                        RUNAWAY_CREDITS,
                        RUNAWAY_CREDITS,
                    ],
                )
        # globex: a job started today, a day CircleCI has not finished
        con.execute(
            f"""insert into {raw} select * replace (
                'started-today' as usage_row_id, 'started-today' as job_id,
                ? as job_run_date, ? as job_run_started_at, null as job_run_stopped_at
            ) from {raw} where organization_id = ? and job_id is not null
            order by usage_row_id limit 1""",
            [today, datetime.now(UTC) - timedelta(minutes=1), ORG_B],
        )
    # rows were deleted from the raw table: rebuild the incremental fact from scratch
    run = run_dbt([*ROUTINE_BUILD, "--full-refresh"], db=db, seeds=seeds, work=work)
    return {"db": db, "run": run, "today": today, "work": work, "seeds": seeds}


def test_scenario_builds_and_warns_about_the_unknown_budget(scenario: dict[str, Any]) -> None:
    run: DbtRun = scenario["run"]
    assert run.returncode == 0, run.output[-4000:]
    assert run.status("assert_budgets_name_known_scopes") == "warn"
    assert run.problems("assert_budgets_name_known_scopes") == [
        'budgets.csv row project:no-such-project:2026-10-01 names a project "no-such-project" '
        'that has no usage in the data: check the spelling (a project name, id, or "org '
        'name/project name")'
    ]
    assert run.status("assert_cost_daily_series_conserves_cost") == "pass"
    assert run.status("assert_pipeline_days_add_up") == "pass"


def test_today_is_never_a_complete_day(scenario: dict[str, Any]) -> None:
    [row] = query(
        scenario["db"],
        f"""select max(usage_date) as last_day from marts.cost_daily_series
            where org_id = '{ORG_B}'""",
    )
    assert row["last_day"] == scenario["today"] - timedelta(days=1)
    [acme] = query(
        scenario["db"],
        f"select max(usage_date) as last_day from marts.cost_daily_series where org_id = '{ORG_A}'",
    )
    assert acme["last_day"] == ACME_LAST_DAY


def test_runaway_is_one_episode_raised_by_its_second_day(scenario: dict[str, Any]) -> None:
    episodes = query(
        scenario["db"],
        """select * from marts.cost_anomalies
           where scope_type = 'project' and project_name = 'ios-app'""",
    )
    [episode] = [
        e
        for e in episodes
        if e["first_day"] <= RUNAWAY_DAYS[-1] and e["last_day"] >= RUNAWAY_DAYS[0]
    ]
    assert episode["direction"] == "up"
    # only the day's cost shows the runaway's first day (more of the project's runs, no re-run,
    # no loop): the second day, still up, confirms it and raises the episode
    assert episode["detected_day"] == RUNAWAY_DAYS[1]
    assert episode["why_flagged"].startswith(
        f"flagged on {RUNAWAY_DAYS[1]}: a rise confirmed by the next day; on {RUNAWAY_DAYS[0]} "
    ), episode["why_flagged"]
    # the episode reaches back over the days just before that already leaned up by half the
    # alarm margin (anomaly_continue_pct), if any: where the change may have begun
    series = {
        r["usage_date"]: r
        for r in query(
            scenario["db"],
            f"""select * from marts.cost_daily_series
                where scope_key = '{episode["scope_key"]}'""",
        )
    }
    first_day = RUNAWAY_DAYS[0]
    while True:
        before = series[first_day - timedelta(days=1)]
        margin = before["upper_bound_cost"] - before["expected_cost"]
        if before["deviation_cost"] <= 0 or before["deviation_cost"] < margin / 2:
            break
        first_day -= timedelta(days=1)
    assert episode["first_day"] == first_day
    assert episode["last_day"] == RUNAWAY_DAYS[-1]
    assert not episode["is_active"]
    assert (episode["driver_workflow_name"], episode["driver_job_name"]) == ("ios", "build-ios")
    assert episode["driver_resource_class"] == "macos.m1.medium.gen1"
    price = Decimal("0.00045")  # TEST_PRICES from 2026-04-01
    added = RUNAWAY_CREDITS * RUNAWAY_BUILDS_PER_DAY * len(RUNAWAY_DAYS) * price
    # the runaway, give or take the project's own usage on those days
    assert abs(episode["impact_cost"] - added) < added * Decimal("0.05")
    episode_days = [d for d in series.values() if first_day <= d["usage_date"] <= RUNAWAY_DAYS[-1]]
    assert episode["actual_cost"] == sum(d["actual_cost"] for d in episode_days)
    assert episode["expected_cost"] == sum(d["expected_cost"] for d in episode_days)
    assert episode["impact_cost"] == episode["actual_cost"] - episode["expected_cost"]
    assert episode["severity"] == "high"
    assert "project ios-app (acme): cost up" in episode["description"]
    # the org saw it too, driven by the same job; every day of it points at its episode
    [org_episode] = query(
        scenario["db"],
        f"""select * from marts.cost_anomalies where scope_type = 'org' and org_id = '{ORG_A}'
            and direction = 'up' and first_day <= date '{RUNAWAY_DAYS[0]}'
            and last_day >= date '{RUNAWAY_DAYS[0]}'""",
    )
    assert org_episode["driver_job_name"] == "build-ios"
    [team_episode] = query(
        scenario["db"],
        f"""select * from marts.cost_anomalies where scope_type = 'team'
            and team_name = 'mobile' and direction = 'up'
            and first_day <= date '{RUNAWAY_DAYS[0]}' and last_day >= date '{RUNAWAY_DAYS[0]}'""",
    )
    assert (team_episode["org_id"], team_episode["direction"]) == (ORG_A, "up")
    assert team_episode["driver_project_name"] == "ios-app"
    assert team_episode["driver_job_name"] == "build-ios"
    days = query(
        scenario["db"],
        f"""select usage_date from marts.cost_daily_series
            where anomaly_id = '{episode["anomaly_id"]}' order by usage_date""",
    )
    assert [d["usage_date"] for d in days][-len(RUNAWAY_DAYS) :] == RUNAWAY_DAYS
    assert days[0]["usage_date"] == first_day


def _reference_budget(
    daily: dict[date, Decimal], month: date, as_of: date
) -> tuple[Decimal, Decimal]:
    """Cost to date and forecast by the documented rule, from zero-filled daily costs."""
    to_date = sum((c for d, c in daily.items() if month <= d <= as_of), Decimal(0))
    window = [as_of - timedelta(days=i) for i in range(28)]
    forecast = to_date
    day = as_of + timedelta(days=1)
    while day.month == month.month:
        same = [daily.get(d, Decimal(0)) for d in window if (day - d).days % 7 == 0]
        forecast += sum(same, Decimal(0)) / len(same)
        day += timedelta(days=1)
    return to_date, forecast


def test_budgets_match_a_reference_forecast(scenario: dict[str, Any]) -> None:
    rows = {
        r["scope"]: r for r in query(scenario["db"], "select * from marts.budget_status_monthly")
    }
    assert set(rows) == {"acme", "ios-app", "acme/web", "no-such-project", "mobile"}
    month = date(2026, 10, 1)
    # team mobile: ios-app in acme, and shares of globex's cost by its shared-cost policies;
    # its rows without a project are seats only in this data (left out of budgets)
    team_mobile = """select usage_date, sum(total_cost) as cost from marts.fct_team_costs_daily
        where team = 'mobile' and project_id is not null group by usage_date"""
    for scope, project in (
        ("acme", None),
        ("ios-app", "ios-app"),
        ("acme/web", "web"),
        ("mobile", None),
    ):
        if scope == "mobile":
            sql = team_mobile
        else:
            filter_ = f"and project_name = '{project}'" if project else ""
            sql = f"""select usage_date, sum(total_cost - user_cost) as cost
                from marts.fct_job_run_costs
                where org_id = '{ORG_A}' {filter_} group by usage_date"""
        daily = {r["usage_date"]: r["cost"] for r in query(scenario["db"], sql)}
        to_date, forecast = _reference_budget(daily, month, ACME_LAST_DAY)
        row = rows[scope]
        # a team is watched per org: mobile has cost in both, and its budget covers both
        assert row["matched_scopes"] == (2 if scope == "mobile" else 1), scope
        assert row["as_of_date"] == ACME_LAST_DAY
        assert (row["days_complete"], row["days_remaining"]) == (20, 11)
        assert abs(row["cost_to_date"] - to_date) < Decimal("1e-12"), scope
        assert abs(row["forecast_cost"] - forecast) < Decimal("1e-9"), scope
        budget = row["budget_amount"]
        status = "over" if to_date > budget else "at risk" if forecast > budget else "on track"
        assert row["status"] == status, scope
        crossed = [t for t in (50, 80, 100) if to_date * 100 >= budget * t]
        assert row["thresholds_crossed"] == (", ".join(f"{t}%" for t in crossed) or None)
    # the runaway alone spends the ios-app budget; web's is far from spent
    assert rows["ios-app"]["status"] == "over"
    assert rows["acme/web"]["status"] == "on track"
    assert rows["no-such-project"]["matched_scopes"] == 0
    assert rows["no-such-project"]["status"] is None


def test_chargeback_shows_a_team_budget_where_there_is_one(scenario: dict[str, Any]) -> None:
    rows = query(
        scenario["db"],
        """select usage_month, team, total_cost, budget_amount, budget_used_pct
           from marts.team_chargeback_monthly""",
    )
    with_budget = [r for r in rows if r["budget_amount"] is not None]
    # only mobile has a budget, and only for October; every other row shows none
    assert [(r["team"], r["usage_month"]) for r in with_budget] == [("mobile", date(2026, 10, 1))]
    [mobile] = with_budget
    assert mobile["budget_amount"] == Decimal(60)
    assert mobile["budget_used_pct"] == round(float(100 * mobile["total_cost"] / 60), 2)
    assert all(r["budget_used_pct"] is None for r in rows if r["budget_amount"] is None)


def test_conservation_tests_catch_a_cent_in_the_series(
    scenario: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("monitoring-tampered")
    db = copy_db(scenario["db"], work / "circleci_costs.duckdb")
    tampered = {}
    with duckdb.connect(str(db)) as con:
        for scope_type, org in (("project", ORG_B), ("team", ORG_A)):
            key, day = con.execute(
                f"""select scope_key, usage_date from marts.cost_daily_series
                    where scope_type = '{scope_type}' and org_id = '{org}' and actual_cost > 0
                    order by usage_date, scope_key limit 1"""
            ).fetchall()[0]
            con.execute(
                "update marts.cost_daily_series set actual_cost = actual_cost + 0.01 "
                "where scope_key = ? and usage_date = ?",
                [key, day],
            )
            tampered[scope_type] = day
        project, day = con.execute(
            f"""select project_id, usage_date from intermediate.int_anomaly_pipeline_days
                where org_id = '{ORG_B}' order by usage_date, project_id limit 1"""
        ).fetchall()[0]
        con.execute(
            "update intermediate.int_anomaly_pipeline_days set rerun_credits = usage_credits + 1 "
            "where org_id = ? and project_id = ? and usage_date = ?",
            [ORG_B, project, day],
        )
    tests = [
        "assert_cost_daily_series_conserves_cost",
        "assert_team_series_add_up_to_their_orgs",
        "assert_pipeline_days_add_up",
    ]
    run = run_dbt(["test", "--select", *tests], db=db, seeds=scenario["seeds"], work=work)
    assert run.status(tests[0]) == "fail"
    [problem] = run.problems(tests[0])
    assert problem.startswith(
        f"cost_daily_series.actual_cost for usage_date={tampered['project']}, org_id={ORG_B}, "
        "scope_type=project is "
    )
    assert run.status(tests[1]) == "fail"
    [problem] = run.problems(tests[1])
    assert problem.startswith(f"the team series of org {ORG_A} on {tampered['team']} add up to ")
    assert run.status(tests[2]) == "fail"
    assert run.problems(tests[2]) == [
        f"project {project} of org {ORG_B} on {day} has re-runs or pipelines that are not a part "
        "of its own"
    ]
