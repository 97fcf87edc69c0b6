"""An incremental run of fct_job_run_costs gives what a full refresh gives.

On a copy of the clean build, the raw table and the price list change the ways they do in
real life, then `dbt build` runs incrementally and `dbt build --full-refresh` after it:
- a row inside the lookback changes (CircleCI still updating the last days),
- a new day arrives,
- older history arrives late (a resumed backfill loads older windows after newer ones),
- the price list gains a historical period (an org's contract back-dated in November 2025),
- a row outside the lookback changes although its day's price did not (a manual re-load of
  an old window): incremental runs do not re-read it; the raw-rows test says so and names it.
Apart from that one stale row, incremental == full refresh, row by row and column by column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import TEST_PRICES, Build, DbtRun, copy_db, run_dbt, write_seeds
from raw_usage import ORG_A, ORG_B

BACKDATED_PRICES = (
    TEST_PRICES + f"{ORG_A},0.0003,USD,2025-11-01,2025-11-30,acme back-dated November\n"
)


def _fact(db: Path) -> dict[str, dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("select * from marts.fct_job_run_costs")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def scenario(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("incremental")
    db = copy_db(build.db, work / "circleci_costs.duckdb")
    seeds = write_seeds(work / "seeds", BACKDATED_PRICES)
    with duckdb.connect(str(db)) as con:
        raw = "circleci_raw.usage_job_runs"
        inside = _one(
            con,
            f"""
            select usage_row_id from {raw}
            where cast(job_run_started_at as date) = date '2026-10-29' and compute_credits > 0
            order by usage_row_id limit 1""",
        )
        outside = _one(
            con,
            f"""
            select usage_row_id from {raw}
            where organization_id = '{ORG_A}'
                and cast(job_run_started_at as date) = date '2026-02-10'
                and compute_credits > 0
            order by usage_row_id limit 1""",
        )
        for row_id, extra in ((inside, 7), (outside, 11)):
            con.execute(f"""
                update {raw} set compute_credits = compute_credits + {extra},
                    total_credits = total_credits + {extra}
                where usage_row_id = '{row_id}'""")
        # a new day, and history from before the first day loaded
        con.execute(f"""
            insert into {raw}
            select * replace (
                'new-' || usage_row_id as usage_row_id, 'new-' || job_id as job_id,
                job_run_started_at + interval 1 day as job_run_started_at,
                job_run_date + interval 1 day as job_run_date)
            from {raw} where cast(job_run_started_at as date) = date '2026-10-31'""")
        con.execute(f"""
            insert into {raw}
            select * replace (
                'old-' || usage_row_id as usage_row_id, 'old-' || job_id as job_id,
                job_run_started_at - interval 10 day as job_run_started_at,
                job_run_date - interval 10 day as job_run_date)
            from {raw}
            where organization_id = '{ORG_B}'
                and cast(job_run_started_at as date) <= date '2025-10-05'""")
    incremental = run_dbt(["build"], db=db, seeds=seeds, work=work)
    incremental_fact = _fact(db)
    full = run_dbt(["build", "--full-refresh"], db=db, seeds=seeds, work=work)
    return {
        "before": _fact(build.db),
        "incremental": incremental,
        "incremental_fact": incremental_fact,
        "full": full,
        "full_fact": _fact(db),
        "inside": inside,
        "outside": outside,
    }


def test_incremental_run_picks_up_every_change_inside_its_reach(scenario: dict[str, Any]) -> None:
    before, fact = scenario["before"], scenario["incremental_fact"]
    inside = scenario["inside"]
    assert fact[inside]["total_credits"] == before[inside]["total_credits"] + 7
    assert (
        fact[inside]["total_cost"]
        == fact[inside]["total_credits"] * fact[inside]["price_per_credit"]
    )
    new_day = [r for r in fact.values() if r["usage_row_id"].startswith("new-")]
    late = [r for r in fact.values() if r["usage_row_id"].startswith("old-")]
    assert new_day and {r["usage_date"].isoformat() for r in new_day} == {"2026-11-01"}
    assert late and all(r["usage_date"].isoformat() < "2025-10-01" for r in late)
    november_acme = [
        r
        for r in fact.values()
        if r["org_id"] == ORG_A and r["usage_date"].isoformat().startswith("2025-11")
    ]
    assert november_acme
    assert {r["price_key"] for r in november_acme} == {f"{ORG_A}:2025-11-01"}
    assert all(r["total_cost"] == r["total_credits"] * r["price_per_credit"] for r in november_acme)


def test_incremental_run_does_not_reread_old_days(scenario: dict[str, Any]) -> None:
    outside = scenario["outside"]
    assert scenario["incremental_fact"][outside] == scenario["before"][outside]
    assert (
        scenario["full_fact"][outside]["total_credits"]
        == scenario["before"][outside]["total_credits"] + 11
    )


def test_stale_row_outside_the_lookback_is_reported(scenario: dict[str, Any]) -> None:
    run: DbtRun = scenario["incremental"]
    failed = {
        uid.split(".")[-1] for uid, r in run.results.items() if r["status"] in ("fail", "error")
    }
    assert failed == {"assert_fct_job_run_costs_has_every_raw_row_once"}, run.output[-3000:]
    [problem] = run.problems("assert_fct_job_run_costs_has_every_raw_row_once")
    assert problem.startswith(f"usage_row_id {scenario['outside']} has total_credits ")
    assert "stale: run dbt build --full-refresh" in problem


def test_incremental_equals_full_refresh(scenario: dict[str, Any]) -> None:
    full: DbtRun = scenario["full"]
    assert full.returncode == 0, full.output[-3000:]
    incremental, rebuilt = scenario["incremental_fact"], scenario["full_fact"]
    assert incremental.keys() == rebuilt.keys()
    differing = {row_id for row_id in rebuilt if incremental[row_id] != rebuilt[row_id]}
    assert differing == {scenario["outside"]}
    # the comparison compares something: the fact grew and was repriced
    assert len(rebuilt) > len(scenario["before"])
    changed = {
        r for r in rebuilt if r in scenario["before"] and rebuilt[r] != scenario["before"][r]
    }
    assert len(changed) > 50
