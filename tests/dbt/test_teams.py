"""Team allocation: the marts against a Python reference, and the rule tests failing by name.

The reference is written from the documented rules, not from the SQL: globs with fnmatch, the
lowest matching priority of the rules in force that day, splits by cumulative rounding in
team-name order (half away from zero, 18 decimals for money, 9 for credits), shared costs in
exact fractions of the month's direct cost within the org. Split parts must match exactly;
shared parts (computed in double precision by the model) to within 1e-12, their totals
exactly.

Three more dbt runs: a full build with broken rules and policies (every rule test fails,
naming the rule; no team mart is built, the cost marts are), the shipped header-only seeds on
a copy of the session's build (everything `unallocated`), and `dbt test` on marts tampered with
(each conservation test fails, naming the usage row, day or month that lost money).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fnmatch import fnmatchcase
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import (
    REPO,
    ROUTINE_BUILD,
    TEAM_RULES_HEADER,
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

MONEY = Decimal("1e-18")
CREDITS = Decimal("1e-9")
UNALLOCATED = "unallocated"
PATTERNS = {
    "org_id": "org_id",
    "project": "project_name",
    "workflow": "workflow_name",
    "job": "job_name",
    "branch": "branch",
}
TEAM_MODELS = (
    "int_job_runs_allocated",
    "int_shared_cost_edges",
    "int_shared_cost_shares",
    "int_team_costs_redistributed",
    "fct_team_costs_daily",
    "team_chargeback_monthly",
)
CONSERVATION_TESTS = (
    "assert_job_run_allocations_add_up",
    "assert_fct_team_costs_daily_conserve_cost",
    "assert_team_chargeback_monthly_conserve_cost",
)


def query(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def parse_rules(text: str) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "priority": int(row["priority"]),
            "share_pct": Decimal(row["share_pct"] or "100"),
            "from": _day(row["effective_from"]),
            "until": _day(row["effective_until"]),
        }
        for row in csv.DictReader(io.StringIO(text))
    ]


def parse_policies(text: str) -> list[dict[str, Any]]:
    return [
        {
            "source": row["source_team"],
            "method": row["method"],
            "targets": [t.strip() for t in row["target_teams"].replace(",", ";").split(";")]
            if row["target_teams"]
            else None,
            "from": _day(row["effective_from"]),
            "until": _day(row["effective_until"]),
            "key": f"{row['source_team']}:{row['effective_from']}",
        }
        for row in csv.DictReader(io.StringIO(text))
    ]


def in_force(item: dict[str, Any], day: date) -> bool:
    return item["from"] <= day and (item["until"] is None or day <= item["until"])


def matches(rule: dict[str, Any], row: dict[str, Any]) -> bool:
    for field, column in PATTERNS.items():
        pattern = rule[field]
        if pattern and (row[column] is None or not fnmatchcase(row[column], pattern)):
            return False
    return in_force(rule, row["usage_date"])


def apportion(amount: Decimal, shares: list[tuple[str, Decimal]], quantum: Decimal) -> dict:
    """Cumulative rounding in team order: running totals rounded, the last one exact."""
    parts, previous, running = {}, Decimal(0), Decimal(0)
    for index, (team, share) in enumerate(sorted(shares)):
        running += share
        if index == len(shares) - 1:
            total = amount
        else:
            total = (amount * running / 100).quantize(quantum, rounding=ROUND_HALF_UP)
        parts[team] = total - previous
        previous = total
    return parts


@pytest.fixture(scope="module")
def reference(build: Build) -> dict[str, Any]:
    """The allocation of every usage row of fct_job_run_costs, and the shared costs."""
    rules = parse_rules(TEST_TEAM_RULES)
    rows = query(
        build.db,
        """select usage_row_id, usage_date, org_id, project_id, project_name, workflow_name,
                  job_name, branch, total_cost, total_credits from marts.fct_job_run_costs""",
    )
    placed: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with localcontext() as ctx:
        ctx.prec = 80
        for row in rows:
            candidates = [r for r in rules if matches(r, row)]
            key = (row["usage_date"], row["org_id"], row["project_id"])
            if not candidates:
                cell = placed[(*key, None, UNALLOCATED)]
                cell["direct_cost"] += row["total_cost"]
                cell["direct_credits"] += row["total_credits"]
                continue
            best = min(r["priority"] for r in candidates)
            winners = {r["rule_id"] for r in candidates if r["priority"] == best}
            assert len(winners) == 1, f"test rules are ambiguous: {winners}"
            [rule_id] = winners
            period = [r for r in candidates if r["rule_id"] == rule_id]
            shares = [(r["team"], r["share_pct"]) for r in period]
            kind = "split" if len(period) > 1 else "direct"
            costs = apportion(row["total_cost"], shares, MONEY)
            credits = apportion(row["total_credits"], shares, CREDITS)
            for team in costs:
                cell = placed[(*key, rule_id, team)]
                cell[f"{kind}_cost"] += costs[team]
                cell[f"{kind}_credits"] += credits[team]
    return {"placed": placed, "shared": share_out(placed, parse_policies(TEST_SHARED_COSTS))}


def share_out(placed: dict, policies: list[dict[str, Any]]) -> dict[tuple, Fraction]:
    """Exact shared-cost moves: (month, team, source) -> money (negative for the source)."""
    direct: dict[tuple, Decimal] = defaultdict(Decimal)
    for (day, org, _project, _rule, team), cell in placed.items():
        if team != UNALLOCATED:
            direct[(day.replace(day=1), org, team)] += cell["direct_cost"] + cell["split_cost"]

    def edges(day: date, org: str, sources: dict[str, dict]) -> dict[str, dict[str, Fraction]]:
        month = day.replace(day=1)
        out = {}
        for source, policy in sources.items():
            targets = policy["targets"] or [
                team
                for (m, o, team), cost in direct.items()
                if m == month and o == org and cost > 0 and team not in sources
            ]
            if policy["method"] == "even":
                out[source] = {t: Fraction(1, len(targets)) for t in targets}
                continue
            weights = {t: Fraction(direct[(month, org, t)]) for t in targets}
            total = sum(weights.values())
            if total:
                out[source] = {t: w / total for t, w in weights.items() if w}
        return out

    def final(team: str, graph: dict, fraction: Fraction, into: dict) -> None:
        if team not in graph:
            into[team] = into.get(team, Fraction(0)) + fraction
            return
        for target, weight in graph[team].items():
            final(target, graph, fraction * weight, into)

    moved: dict[tuple, Fraction] = defaultdict(Fraction)
    for (day, org, _project, _rule, team), cell in placed.items():
        sources = {p["source"]: p for p in policies if in_force(p, day)}
        graph = edges(day, org, sources)
        if team not in graph:
            continue
        landed: dict[str, Fraction] = {}
        final(team, graph, Fraction(1), landed)
        landed.pop(team, None)
        if not landed:
            continue
        cost = Fraction(cell["direct_cost"] + cell["split_cost"])
        month = day.replace(day=1)
        moved[(month, team, team)] -= cost
        for receiver, fraction in landed.items():
            moved[(month, receiver, team)] += cost * fraction
    return moved


def test_team_nodes_all_pass(build: Build) -> None:
    for model in TEAM_MODELS:
        assert build.run.status(model) == "success", model
    unit_tests = [
        uid
        for uid in build.run.results
        if uid.startswith("unit_test.") and uid.split(".")[2] in TEAM_MODELS
    ]
    assert len(unit_tests) >= 12, unit_tests
    for test in (
        *CONSERVATION_TESTS,
        "assert_team_rules_are_unambiguous",
        "assert_shared_cost_shares_add_up_to_one",
    ):
        assert build.run.status(test) == "pass", test


def test_rules_place_usage_like_the_reference(build: Build, reference: dict) -> None:
    got = {
        (r["usage_date"], r["org_id"], r["project_id"], r["rule_id"], r["team"]): r
        for r in query(
            build.db,
            "select * from marts.fct_team_costs_daily where shared_cost_policy is null",
        )
    }
    want = reference["placed"]
    assert got.keys() == want.keys()
    bad = [
        (key, measure, got[key][measure], cell.get(measure, 0))
        for key, cell in want.items()
        for measure in ("direct_cost", "split_cost", "direct_credits", "split_credits")
        if got[key][measure] != cell.get(measure, 0)
    ]
    assert not bad, bad[:5]
    # the split really needed its remainders placed: some parts are not exact shares
    splits = [k for k, c in want.items() if c.get("split_cost")]
    assert {k[4] for k in splits} == {"data", "ml", "backend"}
    with localcontext() as ctx:
        ctx.prec = 80
        uneven = [
            r
            for r in query(
                build.db,
                f"""select f.total_cost, a.share_pct, a.allocated_cost
                    from intermediate.int_job_runs_allocated as a
                    join marts.fct_job_run_costs as f using (usage_row_id)
                    where a.is_split and a.org_id = '{ORG_B}'""",
            )
            if r["total_cost"] * r["share_pct"] / 100 != r["allocated_cost"]
        ]
    assert uneven, "no split in the test data needed a remainder placed"


def test_re_organisation_changes_the_team_from_its_day_on(build: Build) -> None:
    rows = query(
        build.db,
        """select team, min(usage_date) as first_day, max(usage_date) as last_day
           from marts.fct_team_costs_daily
           where rule_id = 'web' and shared_cost_policy is null group by team""",
    )
    by_team = {r["team"]: r for r in rows}
    assert by_team.keys() == {"frontend", "web-platform"}
    assert by_team["frontend"]["last_day"] <= date(2026, 5, 14)
    assert by_team["web-platform"]["first_day"] >= date(2026, 5, 15)
    assert by_team["frontend"]["last_day"].month == by_team["web-platform"]["first_day"].month


def test_shared_costs_move_like_the_reference(build: Build, reference: dict) -> None:
    want = reference["shared"]
    rows = query(
        build.db,
        """select cast(date_trunc('month', usage_date) as date) as month, team,
                  shared_from_team, sum(redistributed_cost) as moved
           from marts.fct_team_costs_daily where shared_cost_policy is not null
           group by all""",
    )
    got = {(r["month"], r["team"], r["shared_from_team"]): r["moved"] for r in rows}
    assert {k for k, v in got.items() if v} == {k for k, v in want.items() if v}
    for key in got.keys() | want.keys():
        value, moved = want.get(key, Fraction(0)), Fraction(got.get(key, 0))
        if key[1] == key[2]:
            assert moved == value, key  # what a team gives: exact
        else:
            assert abs(moved - value) < Fraction(1, 10**12), key
    sources = {source for _, _, source in want}
    assert sources == {"platform", "qa", "maintenance", UNALLOCATED}
    # qa reaches the final teams through platform; nobody keeps a shared-out team's cost
    assert not [k for k in got if k[1] in ("qa", "platform") and k[1] != k[2]]


def test_targets_without_direct_cost(build: Build) -> None:
    rows = query(
        build.db,
        """select usage_month, team, shared_cost_received, direct_cost
           from marts.team_chargeback_monthly where team = 'frontend'""",
    )
    frontend = {r["usage_month"]: r for r in rows}
    # June: no direct cost (web moved on 2026-05-15) but an even third of maintenance
    june = frontend[date(2026, 6, 1)]
    assert june["direct_cost"] == 0 and june["shared_cost_received"] > 0
    # from July maintenance is proportional: frontend, still without direct cost, gets nothing
    assert date(2026, 7, 1) not in frontend or frontend[date(2026, 7, 1)]["total_cost"] == 0


def test_chargeback_matches_the_reference(build: Build, reference: dict) -> None:
    totals: dict[tuple, Fraction] = defaultdict(Fraction)
    month_total: dict[date, Decimal] = defaultdict(Decimal)
    placed_by_rules: dict[date, Decimal] = defaultdict(Decimal)
    for (day, _org, _project, _rule, team), cell in reference["placed"].items():
        cost = cell["direct_cost"] + cell["split_cost"]
        totals[(day.replace(day=1), team)] += Fraction(cost)
        month_total[day.replace(day=1)] += cost
        if team != UNALLOCATED:
            placed_by_rules[day.replace(day=1)] += cost
    for (month, team, _source), moved in reference["shared"].items():
        totals[(month, team)] += moved
    rows = query(build.db, "select * from marts.team_chargeback_monthly")
    for row in rows:
        key = (row["usage_month"], row["team"])
        assert abs(Fraction(row["total_cost"]) - totals[key]) < Fraction(1, 10**12), key
        assert row["month_total_cost"] == month_total[row["usage_month"]]
        month = row["usage_month"]
        coverage = float(100 * placed_by_rules[month] / month_total[month])
        assert row["allocation_coverage_pct"] == pytest.approx(coverage, abs=0.006)
    by_month: dict[date, Decimal] = defaultdict(Decimal)
    for row in rows:
        by_month[row["usage_month"]] += row["total_cost"]
    assert by_month == month_total  # exact, every month
    # unallocated shows until it is shared out from September
    unallocated = {r["usage_month"]: r for r in rows if r["team"] == UNALLOCATED}
    assert unallocated[date(2026, 8, 1)]["total_cost"] > 0
    assert unallocated[date(2026, 9, 1)]["total_cost"] == 0
    assert unallocated[date(2026, 9, 1)]["shared_cost_given"] < 0
    assert 0 < rows[0]["allocation_coverage_pct"] < 100


# Broken rules and policies: every test names what is wrong, and no team mart is built.

BROKEN_TEAM_RULES = (
    TEAM_RULES_HEADER
    + f"""data,20,data,{ORG_B},data-pipeline,,,,60,2015-01-01,
data,20,ml,{ORG_B},data-pipeline,,,,30,2015-01-01,
web,20,frontend,{ORG_A},web,,,,,2015-01-01,2026-06-30
web,20,web-platform,{ORG_A},web,,,,,2026-05-15,
api,20,backend,{ORG_A},api,,,,,2015-01-01,
api-tests,20,qa,{ORG_A},api,build-and-test,,,,2015-01-01,
bad-priority,high,infra,{ORG_A},infra,,,,,2015-01-01,
reserved,30,unallocated,{ORG_A},ios-app,,,,,2015-01-01,
bad-share,30,ml,{ORG_B},ml,,,,lots,2015-01-01,
mixed,40,a,{ORG_A},ios-app,,,,50,2015-01-01,
mixed,41,b,{ORG_A},ios-app,,,,50,2015-01-01,
"""
)

BROKEN_SHARED_COSTS = """source_team,method,target_teams,effective_from,effective_until
platform,even,platform;qa,2015-01-01,
sre,even,ops,2026-01-01,
ops,proportional,"sre, backend",2026-06-01,2026-12-31
sre,even,qa,2026-03-01,2026-03-31
infra,weighted,,2015-01-01,
qa,even,unallocated,2015-01-01,
"""


def _seeds_only_run(build: Build, work: Path, args: list[str], **seeds: str) -> DbtRun:
    db = copy_db(build.db, work / "circleci_costs.duckdb")
    return run_dbt(args, db=db, seeds=write_seeds(work / "seeds", TEST_PRICES, **seeds), work=work)


@pytest.fixture(scope="module")
def broken_run(raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work = tmp_path_factory.mktemp("broken_teams")
    db = copy_db(raw_db, work / "circleci_costs.duckdb")
    seeds = write_seeds(
        work / "seeds",
        TEST_PRICES,
        team_rules=BROKEN_TEAM_RULES,
        shared_costs=BROKEN_SHARED_COSTS,
    )
    return run_dbt(ROUTINE_BUILD, db=db, seeds=seeds, work=work)


def test_broken_rules_stop_the_team_marts_only(broken_run: DbtRun) -> None:
    assert broken_run.returncode != 0
    for model in TEAM_MODELS:
        assert broken_run.status(model) == "skipped", model
    # the cost marts do not depend on the team configuration: they are still published
    for model in ("fct_job_run_costs", "agg_daily_costs", "agg_monthly_costs"):
        assert broken_run.status(model) == "success", model


def test_shares_not_summing_to_100_are_named(broken_run: DbtRun) -> None:
    assert broken_run.status("assert_team_rule_shares_sum_to_100") == "fail"
    assert broken_run.problems("assert_team_rule_shares_sum_to_100") == [
        "team_rules.csv rule data (from 2015-01-01 until open) gives shares that sum to 90.0"
        " (data 60, ml 30): the share_pct of a rule's rows with the same dates must sum to 100"
    ]


def test_ambiguous_rules_are_named(broken_run: DbtRun) -> None:
    assert broken_run.status("assert_team_rules_are_unambiguous") == "fail"
    [problem] = broken_run.problems("assert_team_rules_are_unambiguous")
    assert problem.startswith("team_rules.csv rules api and api-tests both have priority 20")
    assert " project api workflow build-and-test " in problem


def test_overlapping_dates_within_a_rule_are_named(broken_run: DbtRun) -> None:
    assert broken_run.status("assert_team_rules_do_not_overlap") == "fail"
    [problem] = broken_run.problems("assert_team_rules_do_not_overlap")
    assert problem.startswith(
        "team_rules.csv rule web has rows for frontend (from 2015-01-01 until 2026-06-30)"
        " and for web-platform (from 2026-05-15 until open) that overlap"
        " from 2026-05-15 until 2026-06-30"
    )


def test_malformed_rules_are_named(broken_run: DbtRun) -> None:
    assert broken_run.status("assert_team_rules_are_well_formed") == "fail"
    text = "\n".join(broken_run.problems("assert_team_rules_are_well_formed"))
    assert "rule bad-priority [team infra, priority high," in text
    assert 'has priority "high", which is not a whole number' in text
    assert "rule reserved [team unallocated," in text and "which is reserved" in text
    assert "rule bad-share [team ml, priority 30, share lots," in text
    assert "rule mixed has rows that differ in priority" in text


def test_shared_cost_cycles_are_named(broken_run: DbtRun) -> None:
    assert broken_run.status("assert_shared_cost_policies_have_no_cycles") == "fail"
    problems = broken_run.problems("assert_shared_cost_policies_have_no_cycles")
    assert len(problems) == 3, problems
    text = "\n".join(problems)
    # directly: platform among its own targets
    assert (
        "policy [platform even to platform;qa from 2015-01-01 until open] sends the cost of"
        " platform back to platform (platform -> platform)" in text
    )
    # through another policy, on the days both are in force
    assert (
        "policy [sre even to ops from 2026-01-01 until open] sends the cost of sre back to sre"
        " (sre -> ops -> sre) from 2026-06-01 until 2026-12-31" in text
    )
    assert "policy [ops proportional to sre, backend from 2026-06-01 until 2026-12-31]" in text


def test_malformed_and_overlapping_policies_are_named(broken_run: DbtRun) -> None:
    text = "\n".join(broken_run.problems("assert_shared_cost_policies_are_well_formed"))
    assert (
        "policy [infra weighted to every team with direct cost from 2015-01-01 until open]"
        ' has method "weighted": give even or proportional' in text
    )
    assert "[qa even to unallocated from 2015-01-01 until open] lists unallocated" in text
    [overlap] = broken_run.problems("assert_shared_cost_policies_do_not_overlap")
    assert "both share out team sre from 2026-03-01 until 2026-03-31" in overlap


# The seeds as shipped: headers only. Everything lands in `unallocated`, and adds up.


def test_header_only_seeds_put_everything_in_unallocated(
    build: Build, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in ("team_rules.csv", "shared_costs.csv"):
        assert len((REPO / "seeds" / name).read_text().strip().splitlines()) == 1, name
    work = tmp_path_factory.mktemp("empty_teams")
    run = _seeds_only_run(build, work, [*ROUTINE_BUILD, "--select", "team_rules+", "shared_costs+"])
    assert run.returncode == 0, run.output[-3000:]
    db = work / "circleci_costs.duckdb"
    types = {
        r["column_name"]: r["data_type"]
        for r in query(
            db,
            """select column_name, data_type from information_schema.columns
               where table_schema = 'seeds' and table_name = 'team_rules'""",
        )
    }
    assert types["effective_from"] == "DATE" and types["priority"] == "VARCHAR"
    rows = query(db, "select * from marts.team_chargeback_monthly")
    assert {r["team"] for r in rows} == {UNALLOCATED}
    assert {r["allocation_coverage_pct"] for r in rows} == {0.0}
    assert {r["share_of_total_pct"] for r in rows} == {100.0}
    for test in CONSERVATION_TESTS:
        assert run.status(test) == "pass", test


# Conservation tests fail when a cent (or a billionth of one) goes missing.


@pytest.fixture(scope="module")
def tampered(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("tampered_teams")
    db = copy_db(build.db, work / "circleci_costs.duckdb")
    with duckdb.connect(str(db)) as con:
        split_row = con.execute(
            """select usage_row_id, team from intermediate.int_job_runs_allocated
               where is_split and usage_date < date '2026-01-01'
               order by usage_row_id, team limit 1"""
        ).fetchone()
        con.execute(
            """update intermediate.int_job_runs_allocated
               set allocated_cost = allocated_cost - 0.000000000000000001
               where usage_row_id = ? and team = ?""",
            list(split_row),
        )
        daily = con.execute(
            """select team_cost_key, usage_date, org_id, project_id
               from marts.fct_team_costs_daily
               where usage_date between date '2026-03-01' and date '2026-03-31'
                   and total_cost > 0.01 and project_id is not null
               order by team_cost_key limit 1"""
        ).fetchone()
        con.execute(
            "update marts.fct_team_costs_daily set total_cost = total_cost - 0.01"
            " where team_cost_key = ?",
            [daily[0]],
        )
        monthly = con.execute(
            """select chargeback_key, usage_month, team from marts.team_chargeback_monthly
               where usage_month = date '2026-07-01' and shared_cost_received > 0.01
               order by chargeback_key limit 1"""
        ).fetchone()
        con.execute(
            "update marts.team_chargeback_monthly"
            " set shared_cost_received = shared_cost_received - 0.01 where chargeback_key = ?",
            [monthly[0]],
        )
    seeds = write_seeds(
        work / "seeds", TEST_PRICES, team_rules=TEST_TEAM_RULES, shared_costs=TEST_SHARED_COSTS
    )
    run = run_dbt(["test", "--select", *CONSERVATION_TESTS], db=db, seeds=seeds, work=work)
    return {"run": run, "split_row": split_row, "daily": daily, "monthly": monthly}


def test_a_lost_billionth_of_a_split_is_named(tampered: dict[str, Any]) -> None:
    run: DbtRun = tampered["run"]
    assert run.status("assert_job_run_allocations_add_up") == "fail"
    [problem] = run.problems("assert_job_run_allocations_add_up")
    assert problem.startswith(
        f"int_job_runs_allocated.total_cost for usage_row_id={tampered['split_row'][0]} is "
    )


def test_a_lost_cent_in_a_day_is_named(tampered: dict[str, Any]) -> None:
    run: DbtRun = tampered["run"]
    assert run.status("assert_fct_team_costs_daily_conserve_cost") == "fail"
    _, day, org, project = tampered["daily"]
    [problem] = run.problems("assert_fct_team_costs_daily_conserve_cost")
    assert problem.startswith(
        f"fct_team_costs_daily.total_cost for usage_date={day}, org_id={org},"
        f" project_id={project}, currency=USD is "
    )
    assert " but fct_job_run_costs sums to " in problem


def test_a_lost_cent_in_a_month_is_named(tampered: dict[str, Any]) -> None:
    run: DbtRun = tampered["run"]
    assert run.status("assert_team_chargeback_monthly_conserve_cost") == "fail"
    [problem] = run.problems("assert_team_chargeback_monthly_conserve_cost")
    assert problem.startswith(
        "team_chargeback_monthly.shared_cost_net for usage_month=2026-07-01, currency=USD is -0.01"
    )


# The summary `make demo` prints: the latest complete month's chargeback by team.


def test_summary_prints_the_latest_complete_month(
    build: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    from loader.cli.summary import print_summary

    print_summary(build.db)
    out = capsys.readouterr().out
    [title] = [line for line in out.splitlines() if line.startswith("Chargeback by team")]
    # the generated data ends on 2026-10-31: October is the latest complete month
    [coverage] = query(
        build.db,
        """select distinct allocation_coverage_pct from marts.team_chargeback_monthly
           where usage_month = date '2026-10-01'""",
    )
    assert title.startswith(
        f"Chargeback by team for 2026-10 (marts.team_chargeback_monthly): rules placed "
        f"{coverage['allocation_coverage_pct']} % of the cost"
    )
    section = out.split(title, 1)[1]
    [total] = [line for line in section.splitlines() if "all teams" in line]
    [month_cost] = query(
        build.db,
        """select round(sum(total_cost), 2) as cost from marts.fct_job_run_costs
           where usage_date between date '2026-10-01' and date '2026-10-31'""",
    )
    assert f" {month_cost['cost']} " in total
    assert "│ 2026-10 │ unallocated " in section


def test_summary_falls_back_to_the_latest_month(
    build: Build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from loader.cli.summary import print_summary

    db = copy_db(build.db, tmp_path / "partial.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("update marts.team_chargeback_monthly set is_complete_month = false")
    print_summary(db)
    out = capsys.readouterr().out
    assert "Chargeback by team for 2026-10, partial: no month is complete yet" in out
    assert "│ 2026-10 (partial) │" in out
