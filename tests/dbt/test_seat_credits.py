"""Seat (user) credits by one rule, wherever the export puts them.

Real exports carry `USER_CREDITS` on ordinary job rows (a public real-format fixture does), on
project rows without a job id, and on org-level rows. One real `dbt build` over all three
shapes: every series (org, project, team, ...) leaves the seats out of its usage cost and
keeps them as seat cost, so the team series still add up to their orgs, the budgets follow the
same rule, and no cost is lost or counted twice.
"""

from __future__ import annotations

from collections import defaultdict
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
    copy_db,
    run_dbt,
    write_seeds,
)
from raw_usage import ORG_A, ORG_B

RAW = "circleci_raw.usage_job_runs"
SEATS = 25_000  # credits of one seat
BUDGET_MONTH = "2026-08-01"
BUDGETS = f"""scope_type,scope,month,budget_amount,currency
org,acme,{BUDGET_MONTH},400,USD
org,globex,{BUDGET_MONTH},400,USD
team,backend,{BUDGET_MONTH},100,USD
team,data,{BUDGET_MONTH},100,USD
"""


def query(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def add_seat_shapes(db: Path) -> None:
    """Seats on job rows (acme's api, globex's data-pipeline) and on project rows without a job."""
    with duckdb.connect(str(db)) as con:
        # 1. ordinary job rows that also carry seat credits: one in every 25
        con.execute(
            f"""update {RAW} set
                    user_credits = user_credits + {SEATS},
                    total_credits = total_credits + {SEATS}
                where project_name in ('api', 'data-pipeline', 'web') and job_id is not null
                    and hash(usage_row_id) % 25 = 0"""
        )
        # 2. project rows without a job id: a seat row of each org, moved onto a project
        for org, project in ((ORG_A, "infra"), (ORG_B, "data-pipeline")):
            con.execute(
                f"""insert into {RAW} select * replace (
                        'project-seats-' || usage_row_id as usage_row_id,
                        (select max(project_id) from {RAW} where project_name = ?) as project_id,
                        ? as project_name,
                        user_credits * 2 as user_credits,
                        total_credits * 2 as total_credits
                    ) from {RAW}
                    where organization_id = ? and job_id is null and project_id is null""",
                [project, project, org],
            )
        # 3. org-level seat rows are in the generated data already


@pytest.fixture(scope="module")
def seats(raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("seat-credits")
    db = copy_db(raw_db, work / "circleci_costs.duckdb")
    add_seat_shapes(db)
    seeds = write_seeds(
        work / "seeds", TEST_PRICES, team_rules=TEST_TEAM_RULES, shared_costs=TEST_SHARED_COSTS
    )
    (seeds / "budgets.csv").write_text(BUDGETS)
    run = run_dbt(ROUTINE_BUILD, db=db, seeds=seeds, work=work)
    return Build(db=db, seeds=seeds, run=run, work=work)


def test_the_three_shapes_are_in_the_data(seats: Build) -> None:
    shapes = query(
        seats.db,
        """select job_id is not null as job, project_id is not null as project,
                  sum(user_credits) as seats
           from marts.fct_job_run_costs where user_credits <> 0 group by all""",
    )
    assert {(r["job"], r["project"]) for r in shapes} == {
        (True, True),
        (False, True),
        (False, False),
    }


def test_the_build_passes_every_invariant(seats: Build) -> None:
    assert seats.run.returncode == 0, seats.run.output[-4000:]
    for test in (
        "assert_team_series_add_up_to_their_orgs",
        "assert_cost_daily_series_conserves_cost",
        "assert_fct_team_costs_daily_conserve_cost",
        "assert_team_chargeback_monthly_conserve_cost",
    ):
        assert seats.run.status(test) == "pass", test


def test_every_series_leaves_seats_out_and_keeps_them_as_seat_cost(seats: Build) -> None:
    fct = query(
        seats.db,
        """select org_id, usage_date, sum(total_cost - user_cost) as usage, sum(user_cost) as seats
           from marts.fct_job_run_costs group by all""",
    )
    want = {(r["org_id"], r["usage_date"]): r for r in fct}
    tolerance = Decimal("0.000000001")  # a team's share of a seat rounds at the 18th decimal
    # every org-day of every scope, before the series are cut to each scope's life
    summed = query(
        seats.db,
        """select scope_type, org_id, usage_date,
                  sum(usage_cost) as usage, sum(seat_cost) as seats
           from intermediate.int_scope_days_summed
           where scope_type in ('org', 'team') group by all""",
    )
    got: dict[str, dict[tuple, dict[str, Any]]] = defaultdict(dict)
    for r in summed:
        got[r["scope_type"]][(r["org_id"], r["usage_date"])] = r
    for scope_type in ("org", "team"):
        assert set(got[scope_type]) == set(want), scope_type
        for key, expected in want.items():
            row = got[scope_type][key]
            assert abs(row["usage"] - expected["usage"]) <= tolerance, (scope_type, key)
            assert abs(row["seats"] - expected["seats"]) <= tolerance, (scope_type, key)
    # the series users read: each team-day and org-day holds that usage, seats left out
    series = query(
        seats.db,
        """select scope_type, org_id, usage_date, sum(actual_cost) as usage
           from marts.cost_daily_series where scope_type in ('org', 'team') group by all""",
    )
    for r in series:
        expected = want.get((r["org_id"], r["usage_date"]), {"usage": Decimal(0)})
        assert abs(r["usage"] - expected["usage"]) <= tolerance, r
    seat_days = {key for key, r in want.items() if r["seats"] > 0}
    assert len(seat_days) > 30  # seats of every shape, on many days


def test_budgets_follow_the_same_rule(seats: Build) -> None:
    budgets = {
        r["scope"]: r
        for r in query(
            seats.db,
            f"""select scope, cost_to_date, seat_cost_to_date, as_of_date
                from marts.budget_status_monthly where budget_month = date '{BUDGET_MONTH}'""",
        )
    }
    series = {
        (r["scope_type"], r["scope"]): r
        for r in query(
            seats.db,
            f"""select scope_type, coalesce(team_name, org_name) as scope,
                       sum(actual_cost) as usage, sum(seat_cost) as seats
                from intermediate.int_scope_days_filled
                where scope_type in ('org', 'team') and date_trunc('month', usage_date)
                    = date '{BUDGET_MONTH}'
                group by all""",
        )
    }
    for (_, scope), row in series.items():
        if scope not in budgets:
            continue
        budget = budgets[scope]
        assert budget["cost_to_date"] == row["usage"], scope
        assert budget["seat_cost_to_date"] == row["seats"], scope
    assert budgets["backend"]["seat_cost_to_date"] > 0  # seats on its api job rows
    assert budgets["data"]["seat_cost_to_date"] > 0  # seats on a data-pipeline project row
