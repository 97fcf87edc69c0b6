"""Incremental runs give what a full refresh gives, for every incremental model and every mart.

On a copy of the clean build, the raw table and the seeds change the ways they do in real
life, one step after the other. After each step a routine `dbt build` runs (incremental, its
data tests checking what it rebuilt), and every mart and every intermediate table is compared,
row by row and column by column, with `dbt run --full-refresh` of a copy of the same database:
1. data: a row inside the lookback changes, a new day arrives, one project's last two days
   cost five times as much (an anomaly episode), a whole older month arrives late (a resumed
   backfill loads older windows after newer ones), a row outside the lookback gains credits
   (a manual re-load of an old window);
2. the price list gains a back-dated period (an org's contract for November 2025), and
   budgets.csv gets budgets;
3. team_rules.csv gains a re-organisation from a past date (2026-03-01), and an org is
   renamed (its newest rows carry the new name);
4. shared_costs.csv changes a policy from a past date (2026-06-01), calendar.csv gains a
   holiday and an anomaly var changes; this run checks the whole history
   (full_history_tests), which must pass after the incremental runs.
Each run must rebuild what its step changed and little else (int_refresh_plan and
int_anomaly_refresh_days say what).
Last, the raw-rows test on tampered data: a fact row lost on an old day is found by a routine
run (it compares every org-day's totals); credits moved between two raw rows of an old day
change no total: only the whole-history test names them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import (
    PROJECT_DIR,
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

RAW = "circleci_raw.usage_job_runs"

# every table an incremental run writes or rebuilds (the plan and state aside)
TABLES = [
    "marts.fct_job_run_costs",
    "marts.agg_daily_costs",
    "marts.agg_monthly_costs",
    "marts.fct_team_costs_daily",
    "marts.team_chargeback_monthly",
    "marts.cost_daily_series",
    "marts.cost_anomalies",
    "marts.budget_status_monthly",
    "marts.focus_circleci_costs",
    "marts.fct_focus_costs",
    "marts.waste_monthly",
    "marts.rightsizing_recommendations",
    "intermediate.int_job_runs_allocated",
    "intermediate.int_shared_cost_edges",
    "intermediate.int_shared_cost_shares",
    "intermediate.int_team_costs_redistributed",
    "intermediate.int_scope_days_summed",
    "intermediate.int_scope_days_filled",
    "intermediate.int_anomaly_volatility",
    "intermediate.int_anomaly_baselines",
    "intermediate.int_anomaly_run_costs",
    "intermediate.int_anomaly_days_scored",
    "intermediate.int_anomaly_component_days",
    "intermediate.int_anomaly_pipeline_days",
    "intermediate.int_org_days_priced",
    "intermediate.int_waste_daily",
]

BACKDATED_PRICES = (
    TEST_PRICES + f"{ORG_A},0.0003,USD,2025-11-01,2025-11-30,acme back-dated November\n"
)
BUDGETS = f"""scope_type,scope,month,budget_amount,currency
org,acme,2026-10-01,400,USD
org,{ORG_B},2026-11-01,300,USD
project,ios-app,2026-10-01,50,USD
team,platform,2026-10-01,60,USD
"""
# the api project moves from team backend to a new team core-api on 2026-03-01
REORGANISED_RULES = TEST_TEAM_RULES.replace(
    f"backend,20,backend,{ORG_A},api,,,,,2015-01-01,\n",
    f"backend,20,backend,{ORG_A},api,,,,,2015-01-01,2026-02-28\n"
    f"backend,20,core-api,{ORG_A},api,,,,,2026-03-01,\n",
)
# qa's cost goes to every team with direct cost, by their cost, from 2026-06-01
CHANGED_POLICIES = TEST_SHARED_COSTS.replace(
    "qa,even,platform,2015-01-01,\n",
    "qa,even,platform,2015-01-01,2026-05-31\nqa,proportional,,2026-06-01,\n",
)


def _rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _snapshot(db: Path) -> dict[str, Any]:
    """Every table's column names and types, and its rows in a fixed order."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: (
                con.execute(f"describe {table}").fetchall(),
                con.execute(f"select * from {table} order by all").fetchall(),
            )
            for table in TABLES
        }


def _full_refresh(db: Path, seeds: Path, work: Path, extra: list[str]) -> dict[str, Any]:
    run = run_dbt(["run", "--full-refresh", *extra], db=db, seeds=seeds, work=work)
    assert run.returncode == 0, run.output[-3000:]
    return _snapshot(db)


def _change_data(con: duckdb.DuckDBPyConnection, seeds: Path) -> dict[str, Any]:
    def row_on(day: str, org: str = "%") -> str:
        return con.execute(
            f"""select usage_row_id from {RAW}
                where organization_id like ? and cast(job_run_started_at as date) = ?
                    and compute_credits > 0
                order by usage_row_id limit 1""",
            [org, day],
        ).fetchone()[0]

    inside, outside = row_on("2026-10-29"), row_on("2026-02-10", ORG_A)
    for row_id, extra in ((inside, 7), (outside, 11)):
        con.execute(
            f"""update {RAW} set compute_credits = compute_credits + {extra},
                    total_credits = total_credits + {extra}
                where usage_row_id = ?""",
            [row_id],
        )
    # a new day
    con.execute(f"""
        insert into {RAW}
        select * replace (
            'new-' || usage_row_id as usage_row_id, 'new-' || job_id as job_id,
            job_run_started_at + interval 1 day as job_run_started_at,
            job_run_date + interval 1 day as job_run_date)
        from {RAW} where cast(job_run_started_at as date) = date '2026-10-31'""")
    # the api project's runs of the last two old days cost five times as much (the re-export
    # of the days CircleCI still updates): an episode the routine run must raise
    con.execute(f"""
        update {RAW} set total_credits = total_credits + 4 * compute_credits,
            compute_credits = 5 * compute_credits
        where project_name = 'api' and not starts_with(usage_row_id, 'new-')
            and cast(job_run_started_at as date) in (date '2026-10-30', date '2026-10-31')""")
    # September 2025, a whole month before the first day loaded, seat rows included
    con.execute(f"""
        insert into {RAW}
        select * replace (
            'old-' || usage_row_id as usage_row_id, 'old-' || job_id as job_id,
            job_run_started_at - interval 30 day as job_run_started_at,
            job_run_date - interval 30 day as job_run_date)
        from {RAW}
        where coalesce(cast(job_run_started_at as date), job_run_date)
            between date '2025-10-01' and date '2025-10-30'""")
    return {"inside": inside, "outside": outside}


def _change_prices_and_budgets(con: duckdb.DuckDBPyConnection, seeds: Path) -> dict[str, Any]:
    (seeds / "credit_prices.csv").write_text(BACKDATED_PRICES)
    (seeds / "budgets.csv").write_text(BUDGETS)
    return {}


def _reorganise(con: duckdb.DuckDBPyConnection, seeds: Path) -> dict[str, Any]:
    assert REORGANISED_RULES != TEST_TEAM_RULES
    (seeds / "team_rules.csv").write_text(REORGANISED_RULES)
    # and globex is renamed: its last day with usage, which the routine run re-reads (the
    # lookback), carries the new name
    [(last_day,)] = con.execute(
        f"select max(cast(job_run_started_at as date)) from {RAW} where organization_id = ?",
        [ORG_B],
    ).fetchall()
    assert last_day >= date(2026, 10, 29)
    con.execute(
        f"""update {RAW} set organization_name = 'globex-inc'
            where organization_id = ? and cast(job_run_started_at as date) = ?""",
        [ORG_B, last_day],
    )
    return {}


def _change_policies(con: duckdb.DuckDBPyConnection, seeds: Path) -> dict[str, Any]:
    assert CHANGED_POLICIES != TEST_SHARED_COSTS
    (seeds / "shared_costs.csv").write_text(CHANGED_POLICIES)
    # and the company takes a day off in the past (the anomaly var changes in STEPS)
    with (seeds / "calendar.csv").open("a") as calendar:
        calendar.write("2026-04-14,Company day,holiday,\n")
    return {}


STEPS: list[tuple[str, Callable[[duckdb.DuckDBPyConnection, Path], dict[str, Any]], list[str]]] = [
    ("data", _change_data, []),
    ("prices_and_budgets", _change_prices_and_budgets, []),
    ("reorganisation", _reorganise, []),
    (
        "policies",
        _change_policies,
        ["--vars", "{full_history_tests: true, anomaly_min_amount: 3}"],
    ),
]


@pytest.fixture(scope="module")
def history(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("incremental")
    db = copy_db(build.db, work / "db" / "circleci_costs.duckdb")
    seeds = write_seeds(
        work / "seeds", TEST_PRICES, team_rules=TEST_TEAM_RULES, shared_costs=TEST_SHARED_COSTS
    )
    steps: dict[str, dict[str, Any]] = {}
    before = _snapshot(db)
    # the full refresh of each step runs beside the next step's routine run
    with ThreadPoolExecutor(max_workers=1) as pool:
        references: dict[str, Future[dict[str, Any]]] = {}
        for name, change, extra in STEPS:
            with duckdb.connect(str(db)) as con:
                con.execute("set TimeZone = 'UTC'")
                facts = change(con, seeds)
            run = run_dbt([*ROUTINE_BUILD, *extra], db=db, seeds=seeds, work=work / name)
            steps[name] = {
                **facts,
                "run": run,
                "tables": _snapshot(db),
                "plan": _rows(db, "select * from intermediate.int_refresh_plan"),
                "waste_days": _rows(db, "select * from intermediate.int_waste_refresh_days"),
                "monitoring_days": _rows(db, "select * from intermediate.int_anomaly_refresh_days"),
            }
            copy = work / f"{name}-full-refresh"
            references[name] = pool.submit(
                _full_refresh,
                copy_db(db, copy / "circleci_costs.duckdb"),
                shutil.copytree(seeds, copy / "seeds"),
                copy,
                extra,
            )
        # last: credits move between two rows of an old day (no org-day total changes), and
        # a row of another old day goes missing from the fact (its org-day's count changes)
        moved_from, moved_to = (
            r["usage_row_id"]
            for r in _rows(
                db,
                f"""select usage_row_id from {RAW}
                    where organization_id = '{ORG_A}' and compute_credits >= 1
                        and cast(job_run_started_at as date) = date '2026-02-11'
                    order by usage_row_id limit 2""",
            )
        )
        [lost] = [
            r["usage_row_id"]
            for r in _rows(
                db,
                """select usage_row_id from marts.fct_job_run_costs
                   where usage_date = date '2026-03-12' order by usage_row_id limit 1""",
            )
        ]
        with duckdb.connect(str(db)) as con:
            for row_id, delta in ((moved_from, -1), (moved_to, 1)):
                con.execute(
                    f"""update {RAW} set compute_credits = compute_credits + {delta},
                            total_credits = total_credits + {delta}
                        where usage_row_id = ?""",
                    [row_id],
                )
            con.execute("delete from marts.fct_job_run_costs where usage_row_id = ?", [lost])
        raw_rows_test = ["test", "--select", "assert_fct_job_run_costs_has_every_raw_row_once"]
        stale = {
            scope: run_dbt([*raw_rows_test, *extra], db=db, seeds=seeds, work=work / scope)
            for scope, extra in (
                ("routine", []),
                ("full_history", ["--vars", "{full_history_tests: true}"]),
            )
        }
        for name, future in references.items():
            steps[name]["full_refresh"] = future.result()
    return {
        "before": before,
        "steps": steps,
        "stale": stale,
        "lost": lost,
        "moved": {moved_from, moved_to},
    }


def _table(snapshot: dict[str, Any], table: str) -> list[tuple]:
    return snapshot[table][1]


def _rows_of(snapshot: dict[str, Any], table: str) -> list[dict[str, Any]]:
    names = [column[0] for column in snapshot[table][0]]
    return [dict(zip(names, row, strict=True)) for row in snapshot[table][1]]


@pytest.mark.parametrize("step", [name for name, _, _ in STEPS])
def test_routine_run_passes(history: dict[str, Any], step: str) -> None:
    run: DbtRun = history["steps"][step]["run"]
    assert run.returncode == 0, run.output[-4000:]
    assert not [uid for uid, r in run.results.items() if r["status"] in ("fail", "error")]
    assert not [uid for uid in run.results if uid.startswith("unit_test.")]


@pytest.mark.parametrize("step", [name for name, _, _ in STEPS])
@pytest.mark.parametrize("table", TABLES)
def test_incremental_equals_full_refresh(history: dict[str, Any], step: str, table: str) -> None:
    done = history["steps"][step]
    incremental, rebuilt = done["tables"][table], done["full_refresh"][table]
    assert incremental[0] == rebuilt[0], f"{table}: columns differ"
    only_incremental = set(incremental[1]) - set(rebuilt[1])
    only_rebuilt = set(rebuilt[1]) - set(incremental[1])
    assert not only_incremental and not only_rebuilt, (
        f"{table} after {step}: {len(only_incremental)} rows only incremental, e.g. "
        f"{sorted(only_incremental, key=str)[:2]}; {len(only_rebuilt)} only rebuilt, e.g. "
        f"{sorted(only_rebuilt, key=str)[:2]}"
    )
    assert incremental[1] == rebuilt[1]  # and as many of each


def _refreshed(step: dict[str, Any], flag: str) -> set[tuple[str, date]]:
    return {(r["org_id"], r["usage_date"]) for r in step["plan"] if r[flag]}


def test_data_changes_rebuild_the_days_they_touch(history: dict[str, Any]) -> None:
    step = history["steps"]["data"]
    costs = _refreshed(step, "refresh_costs")
    september = {k for k in costs if k[1] < date(2025, 10, 1)}
    assert {d.month for _, d in september} == {9} and len(september) >= 40
    assert (ORG_A, date(2026, 2, 10)) in costs  # the row that gained credits
    assert {(o, d) for o, d in costs if d > date(2026, 2, 10)} == {
        (o, d) for o, d in costs if d >= date(2026, 10, 28)
    }
    reasons = {r["refresh_reason"] for r in step["plan"] if r["refresh_costs"]}
    assert reasons == {"new", "lookback", "raw rows changed"}
    assert len(costs) < len(step["plan"]) / 4
    # no rule or policy changed: the allocation follows the costs
    assert _refreshed(step, "refresh_allocation") == costs

    fact = {r["usage_row_id"]: r for r in _rows_of(step["tables"], "marts.fct_job_run_costs")}
    before = {r["usage_row_id"]: r for r in _rows_of(history["before"], "marts.fct_job_run_costs")}
    for row_id, extra in ((step["inside"], 7), (step["outside"], 11)):
        assert fact[row_id]["total_credits"] == before[row_id]["total_credits"] + extra
        assert fact[row_id]["total_cost"] == (
            fact[row_id]["total_credits"] * fact[row_id]["price_per_credit"]
        )
    new_day = {r["usage_date"] for k, r in fact.items() if k.startswith("new-")}
    late = {r["usage_date"].month for k, r in fact.items() if k.startswith("old-")}
    assert new_day == {date(2026, 11, 1)} and late == {9}


def test_waste_rebuilds_the_changed_days_and_the_days_of_their_pipelines(
    history: dict[str, Any],
) -> None:
    # the late September copies share their pipelines with October's rows: a duplicate
    # re-run in October now follows a success in September, so those October days are
    # rebuilt too, and nothing else beyond the re-allocated days
    step = history["steps"]["data"]
    allocation = _refreshed(step, "refresh_allocation")
    waste_days = {(r["org_id"], r["usage_date"]) for r in step["waste_days"]}
    linked = waste_days - allocation
    assert allocation <= waste_days
    assert (2025, 10) in {(d.year, d.month) for _, d in linked}
    assert len(waste_days) < len(step["plan"]) / 3
    # a new price re-prices its days; the pipelines of those days are judged again with them
    prices = history["steps"]["prices_and_budgets"]
    assert _refreshed(prices, "refresh_allocation") <= {
        (r["org_id"], r["usage_date"]) for r in prices["waste_days"]
    }


def test_a_back_dated_price_rebuilds_its_days_only(history: dict[str, Any]) -> None:
    step = history["steps"]["prices_and_budgets"]
    costs = _refreshed(step, "refresh_costs")
    november = {(ORG_A, d) for o, d in costs if o == ORG_A and (d.year, d.month) == (2025, 11)}
    assert november and costs - november == {(o, d) for o, d in costs if d >= date(2026, 10, 29)}
    fact = _rows_of(step["tables"], "marts.fct_job_run_costs")
    acme_november = [
        r
        for r in fact
        if r["org_id"] == ORG_A and (r["usage_date"].year, r["usage_date"].month) == (2025, 11)
    ]
    assert {r["price_key"] for r in acme_november} == {f"{ORG_A}:2025-11-01"}
    assert len(_table(step["tables"], "marts.budget_status_monthly")) == 4


def test_a_back_dated_price_moves_the_anomaly_series_on_its_own_days_only(
    history: dict[str, Any],
) -> None:
    # The series is scored in credits and priced at each day's own price: a new price for
    # acme's November 2025 moves the money of acme's November days and nothing else, whatever
    # the baselines reaching back over November; the credits do not move at all.
    steps = history["steps"]
    key = ("series_key", "usage_date")
    before = {
        tuple(r[k] for k in key): r
        for r in _rows_of(steps["data"]["tables"], "marts.cost_daily_series")
    }
    after = {
        tuple(r[k] for k in key): r
        for r in _rows_of(steps["prices_and_budgets"]["tables"], "marts.cost_daily_series")
    }
    assert after.keys() == before.keys()
    assert all(after[k]["actual_credits"] == before[k]["actual_credits"] for k in after)

    def in_acme_november(row: dict[str, Any]) -> bool:
        day: date = row["usage_date"]
        return row["org_id"] == ORG_A and (day.year, day.month) == (2025, 11)

    repriced = {k for k, r in after.items() if r["actual_cost"] != before[k]["actual_cost"]}
    with_usage = {k for k, r in after.items() if in_acme_november(r) and r["actual_credits"]}
    assert repriced == with_usage and len({d for _, d in repriced}) >= 20
    # every other value (expected cost, bounds, scores, flags) moves on those days only
    moved = {k for k in after if after[k] != before[k]}
    assert moved and all(in_acme_november(after[k]) for k in moved)
    # and the episodes: only those of acme that touch November 2025 may differ
    episodes = {
        name: {r["anomaly_id"]: r for r in _rows_of(steps[name]["tables"], "marts.cost_anomalies")}
        for name in ("data", "prices_and_budgets")
    }
    differing = {
        anomaly_id
        for anomaly_id in episodes["data"].keys() | episodes["prices_and_budgets"].keys()
        if episodes["data"].get(anomaly_id) != episodes["prices_and_budgets"].get(anomaly_id)
    }
    for anomaly_id in differing:
        episode = episodes["prices_and_budgets"].get(anomaly_id) or episodes["data"][anomaly_id]
        assert episode["org_id"] == ORG_A, episode
        assert episode["first_day"] <= date(2025, 11, 30) and episode["last_day"] >= date(
            2025, 11, 1
        ), episode


def test_the_monitoring_days_are_rebuilt_from_the_first_changed_day(
    history: dict[str, Any],
) -> None:
    # a back-dated price for acme's November 2025: acme's anomaly days from that price's
    # first day, globex's from the first day the plan rebuilds for the team costs (the
    # re-read days, and the rest of their month where a shared-cost policy apportions it);
    # a re-organisation of acme's teams on 2026-03-01: acme's from that day, and globex,
    # renamed, all of its days
    steps = history["steps"]
    re_read = min(
        d for o, d in _refreshed(steps["prices_and_budgets"], "refresh_team_costs") if o == ORG_B
    )
    assert re_read >= date(2026, 10, 1)
    for name, first_days in (
        ("prices_and_budgets", {ORG_A: date(2025, 11, 1), ORG_B: re_read}),
        ("reorganisation", {ORG_A: date(2026, 3, 1), ORG_B: date.min}),
    ):
        filled = _rows_of(steps[name]["tables"], "intermediate.int_scope_days_filled")
        expected = {
            (r["org_id"], r["usage_date"])
            for r in filled
            if r["usage_date"] >= first_days[r["org_id"]]
        }
        listed = {(r["org_id"], r["usage_date"]) for r in steps[name]["monitoring_days"]}
        assert listed == expected, (name, sorted(listed ^ expected)[:4])
    # every day of globex's own series carries its new name (a scope takes the names of its
    # latest day with usage)
    series = _rows_of(steps["reorganisation"]["tables"], "marts.cost_daily_series")
    renamed = [r for r in series if r["org_id"] == ORG_B and r["scope_type"] == "org"]
    assert len(renamed) > 300 and {r["org_name"] for r in renamed} == {"globex-inc"}


def test_a_changed_calendar_or_anomaly_var_rebuilds_every_monitoring_day(
    history: dict[str, Any],
) -> None:
    step = history["steps"]["policies"]
    filled = _rows_of(step["tables"], "intermediate.int_scope_days_filled")
    listed = {(r["org_id"], r["usage_date"]) for r in step["monitoring_days"]}
    assert listed == {(r["org_id"], r["usage_date"]) for r in filled}


def test_every_anomaly_var_is_in_the_monitoring_fingerprint() -> None:
    project = (PROJECT_DIR / "dbt_project.yml").read_text()
    anomaly_vars = set(re.findall(r"^  (anomaly_[a-z_]+):", project, flags=re.MULTILINE))
    macros = (PROJECT_DIR / "macros" / "monitoring_refresh.sql").read_text()
    listed = macros.split("macro anomaly_var_names()")[1].split("endmacro")[0]
    assert anomaly_vars and anomaly_vars == set(re.findall(r"'(anomaly_[a-z_]+)'", listed))


def test_a_re_organisation_re_allocates_from_its_date(history: dict[str, Any]) -> None:
    step = history["steps"]["reorganisation"]
    costs = _refreshed(step, "refresh_costs")
    allocation = _refreshed(step, "refresh_allocation")
    assert costs == {(o, d) for o, d in costs if d >= date(2026, 10, 29)}
    assert allocation - costs == {
        (o, d) for o, d in allocation if date(2026, 3, 1) <= d < date(2026, 10, 29)
    }
    assert min(d for _, d in allocation - costs) == date(2026, 3, 1)
    teams = {r["team"] for r in _rows_of(step["tables"], "marts.fct_team_costs_daily")}
    assert "core-api" in teams


def test_a_policy_change_redistributes_whole_months(history: dict[str, Any]) -> None:
    step = history["steps"]["policies"]
    allocation = _refreshed(step, "refresh_allocation")
    team_costs = _refreshed(step, "refresh_team_costs")
    assert allocation == {(o, d) for o, d in allocation if d >= date(2026, 10, 29)}
    assert min(d for _, d in team_costs) == date(2026, 6, 1)
    moved = _rows_of(step["tables"], "intermediate.int_team_costs_redistributed")
    assert {r["shared_cost_policy"] for r in moved} >= {"qa:2026-06-01"}


def test_the_comparisons_compare_something(history: dict[str, Any]) -> None:
    steps = history["steps"]
    changed = {
        name: {
            table
            for table in TABLES
            if _table(steps[name]["tables"], table) != _table(history["before"], table)
        }
        for name in steps
    }
    # every table is compared after a step that changed it (budgets get rows with the budgets)
    assert set().union(*changed.values()) == set(TABLES), changed
    assert changed["data"] >= set(TABLES) - {"marts.budget_status_monthly"}
    # the data step raises the episode of its five-fold project days
    before = {r["anomaly_id"] for r in _rows_of(history["before"], "marts.cost_anomalies")}
    raised = [
        (r["scope_type"], r["scope_name"], r["direction"], r["first_day"])
        for r in _rows_of(steps["data"]["tables"], "marts.cost_anomalies")
        if r["anomaly_id"] not in before
    ]
    assert ("project", "api", "up", date(2026, 10, 31)) in raised, raised
    prior = {"data": "prices_and_budgets", "prices_and_budgets": "reorganisation"}
    for earlier, later in prior.items():
        assert steps[later]["tables"] != steps[earlier]["tables"], later
    reorganised = steps["reorganisation"]["tables"]
    assert _table(reorganised, "intermediate.int_job_runs_allocated") != _table(
        steps["prices_and_budgets"]["tables"], "intermediate.int_job_runs_allocated"
    )
    assert _table(steps["policies"]["tables"], "intermediate.int_team_costs_redistributed") != (
        _table(reorganised, "intermediate.int_team_costs_redistributed")
    )


def _raw_rows_problems(history: dict[str, Any], scope: str) -> dict[str, str]:
    run: DbtRun = history["stale"][scope]
    assert run.status("assert_fct_job_run_costs_has_every_raw_row_once") == "fail"
    problems = run.problems("assert_fct_job_run_costs_has_every_raw_row_once")
    return {p.split(" ")[1]: p for p in problems}


def test_a_routine_run_finds_a_row_lost_on_a_day_it_did_not_rebuild(
    history: dict[str, Any],
) -> None:
    # the org-day totals of the whole history are compared on every run
    problems = _raw_rows_problems(history, "routine")
    assert problems == {
        history["lost"]: f"usage_row_id {history['lost']} is in the raw table but missing "
        "from fct_job_run_costs"
    }


def test_a_change_no_org_day_total_shows_is_found_over_the_whole_history(
    history: dict[str, Any],
) -> None:
    problems = _raw_rows_problems(history, "full_history")
    assert set(problems) == {history["lost"], *history["moved"]}
    for row_id in history["moved"]:
        assert problems[row_id].endswith("(stale: run dbt build --full-refresh)")
