"""The evaluation's matching rule, on a hand-made database: what counts as finding an incident.

No dbt here: the three tables the evaluation reads are created with just the columns it uses,
and each episode is placed to sit just inside or just outside one part of the rule.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from bench.evaluate_anomalies import evaluate
from simulator.incidents import GROUND_TRUTH_COLUMNS

ORG, OTHER_ORG = "org-1", "org-2"
TRUTH = (
    ",".join(GROUND_TRUTH_COLUMNS)
    + f"""
SPIKE,{ORG},acme,job,api,ci,e2e,large,flaky_rerun_storm,up,spike,2026-03-10,2026-03-14,x,1,1,1
STEP,{ORG},acme,project,web,,,,project_archived,down,step,2026-04-06,,x,1,-1,-1
"""
)
# (scope_type, project, workflow, resource_class, first_day, last_day, org) -> matches?
EPISODES = [
    # the spike: its project, its workflow, its org, a resource class its job ran on
    ("project", "api", None, None, "2026-03-10", "2026-03-12", ORG, True),
    ("workflow", "api", "ci", None, "2026-03-16", "2026-03-16", ORG, True),  # last day + 2
    ("org", None, None, None, "2026-03-05", "2026-03-08", ORG, True),  # ends first day - 2
    ("resource_class", None, None, "large", "2026-03-11", "2026-03-11", ORG, True),
    # ... but not another workflow, a class its job did not use, a day too late, another org
    ("workflow", "api", "deploy", None, "2026-03-11", "2026-03-11", ORG, False),
    ("resource_class", None, None, "xlarge", "2026-03-11", "2026-03-11", ORG, False),
    ("project", "api", None, None, "2026-03-17", "2026-03-18", ORG, False),
    ("project", "api", None, None, "2026-03-11", "2026-03-11", OTHER_ORG, False),
    # a team that had cost from the incident's project, and one that had not
    ("team", None, None, None, "2026-03-11", "2026-03-13", ORG, True),
    ("team", None, None, None, "2026-03-11", "2026-03-13", ORG, False),
    # the step is a change on its first day: caught two days late, not three
    ("project", "web", None, None, "2026-04-08", "2026-04-30", ORG, True),
    ("workflow", "web", "build", None, "2026-04-09", "2026-04-30", ORG, False),
]


@pytest.fixture
def database(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "costs.duckdb"
    truth = tmp_path / "incidents.csv"
    truth.write_text(TRUTH)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            """create table marts.cost_anomalies (
                scope_key varchar, scope_type varchar, scope_name varchar, org_id varchar,
                project_name varchar, workflow_name varchar, resource_class varchar,
                team_name varchar, direction varchar, first_day date, detected_day date,
                last_day date, duration_days integer, impact_cost decimal(38, 18),
                currency varchar, peak_score double, driver_project_name varchar,
                driver_workflow_name varchar, driver_job_name varchar)"""
        )
        for n, (kind, project, workflow, rc, first, last, org, match) in enumerate(EPISODES):
            team = ("builders" if match else "bystanders") if kind == "team" else None
            con.execute(
                "insert into marts.cost_anomalies values "
                "(?, ?, ?, ?, ?, ?, ?, ?, 'up', ?, ?, ?, 1, 5, 'USD', 6, 'api', 'ci', 'e2e')",
                [f"e{n}", kind, f"episode {n}", org, project, workflow, rc, team]
                + [first, first, last],
            )
        con.execute(
            "create table marts.fct_team_costs_daily as select * from (values "
            "('builders', ?, 'api', date '2026-03-01', 5.0),"
            " ('bystanders', ?, 'web', date '2026-03-01', 5.0),"
            " ('bystanders', ?, 'api', date '2026-03-01', 0.0))"
            " as t(team, org_id, project_name, usage_date, total_credits)",
            [ORG, ORG, ORG],
        )
        con.execute(
            "create table marts.cost_daily_series as "
            "select * from (values (?, date '2026-05-31'), (?, date '2026-05-31')) "
            "as t(org_id, usage_date)",
            [ORG, OTHER_ORG],
        )
        con.execute(
            """create table marts.agg_daily_costs (
                org_id varchar, project_name varchar, workflow_name varchar, job_name varchar,
                resource_class varchar, usage_date date, total_cost decimal(38, 18),
                user_cost decimal(38, 18))"""
        )
        day = date(2026, 2, 1)
        while day < date(2026, 3, 20):
            con.execute(
                "insert into marts.agg_daily_costs values"
                " (?, 'api', 'ci', 'e2e', 'large', ?, 1, 0),"
                " (?, 'api', 'ci', 'lint', 'xlarge', ?, 1, 0)",
                [ORG, day, ORG, day],
            )
            day += timedelta(days=1)
    return db, truth


def test_each_episode_matches_exactly_as_the_rule_says(
    database: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, truth = database
    assert evaluate(db, truth, tolerance=2, lineage_days=56) == 0
    out = capsys.readouterr().out
    false_alarms = out.split("(false alarms):")[1]
    for n, (*_, should_match) in enumerate(EPISODES):
        assert (f"episode {n} " in false_alarms) is not should_match, (n, EPISODES[n])
    matched = sum(e[-1] for e in EPISODES)
    assert f"precision {matched / len(EPISODES):.2f} ({matched} of {len(EPISODES)} episodes" in out
    assert "recall 1.00 (2 of 2 incidents found)" in out
    assert "  team " in out.split("by scope type:")[1]


def test_a_missing_database_is_a_sentence_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(tmp_path / "none.duckdb", tmp_path / "none.csv", 2, 56) == 0
    assert "run `make evaluate`" in capsys.readouterr().out
