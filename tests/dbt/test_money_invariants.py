"""Each money invariant test fails when its invariant breaks, naming what broke.

On a copy of the clean build the marts are tampered with the way a bug would break them
(a cent added, a billionth taken, a row lost, doubled or invented), then the singular tests
run (`dbt test`, no rebuild) and each must fail with a message that names the spot.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from conftest import Build, DbtRun, copy_db, run_dbt


@pytest.fixture(scope="module")
def tampered(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("tampered")
    db = copy_db(build.db, work / "circleci_costs.duckdb")
    with duckdb.connect(str(db)) as con:

        def one(sql: str) -> tuple:
            return con.execute(sql).fetchone()

        fact = "marts.fct_job_run_costs"
        # three job runs to break: one priced a cent too high, one lost, one doubled
        priced_wrong, lost, doubled = (
            row[0]
            for row in con.execute(
                f"select usage_row_id from {fact} where is_job_run order by usage_row_id limit 3"
            ).fetchall()
        )
        touched = f"('{priced_wrong}', '{lost}', '{doubled}')"
        touched_days = [
            row[0]
            for row in con.execute(
                f"select usage_date from {fact} where usage_row_id in {touched}"
            ).fetchall()
        ]
        days = ", ".join(f"date '{d}'" for d in touched_days)
        months = ", ".join(f"date '{d.replace(day=1)}'" for d in touched_days)
        con.execute(
            f"update {fact} set total_cost = total_cost + 0.01"
            f" where usage_row_id = '{priced_wrong}'"
        )
        con.execute(f"delete from {fact} where usage_row_id = '{lost}'")
        con.execute(f"insert into {fact} select * from {fact} where usage_row_id = '{doubled}'")
        # and a row that is not in the raw table
        con.execute(
            f"insert into {fact} select * replace ('ghost-row' as usage_row_id)"
            f" from {fact} where usage_row_id = '{doubled}' limit 1"
        )
        # a billionth off in one daily cell and a cent off in one monthly cell, each for an
        # org-day / org-month (and month) the fact tampering above does not touch
        daily_key, daily_day, daily_org = one(f"""
            select daily_cost_key, usage_date, org_id from marts.agg_daily_costs
            where usage_date not in ({days}) and network_cost <> 0
            order by daily_cost_key limit 1""")
        con.execute(f"""update marts.agg_daily_costs set network_cost = network_cost + 0.000000001
                        where daily_cost_key = '{daily_key}'""")
        monthly_key, month, monthly_org = one(f"""
            select monthly_cost_key, usage_month, org_id from marts.agg_monthly_costs
            where usage_month not in ({months}, date '{daily_day.replace(day=1)}')
                and total_cost <> 0
            order by monthly_cost_key limit 1""")
        con.execute(f"""update marts.agg_monthly_costs set total_cost = total_cost - 0.01
                        where monthly_cost_key = '{monthly_key}'""")
        # a billionth of failed runs' cost in one waste cell, an org-month the fact's
        # tampering does not touch
        waste_key, waste_month, waste_org = one(f"""
            select waste_key, usage_month, org_id from marts.waste_monthly
            where usage_month not in ({months}) and failed_cost <> 0
            order by waste_key limit 1""")
        con.execute(f"""update marts.waste_monthly
                        set failed_cost = failed_cost + 0.000000001,
                            waste_cost = waste_cost + 0.000000001
                        where waste_key = '{waste_key}'""")
        # a shared-cost share a tenth short: the money's conservation cannot see it (the
        # last receiving team takes whatever is left of the source's cost)
        share = one("""
            select usage_date, org_id, shared_cost_policy, source_team, receiving_team
            from intermediate.int_shared_cost_shares where fraction > 0.1
            order by all limit 1""")
        con.execute(
            """update intermediate.int_shared_cost_shares set fraction = fraction - 0.1
               where usage_date = ? and org_id = ? and shared_cost_policy = ?
                   and receiving_team = ?""",
            [share[0], share[1], share[2], share[4]],
        )
    run = run_dbt(["test", "--select", "test_type:singular"], db=db, seeds=build.seeds, work=work)
    return {
        "run": run,
        "priced_wrong": priced_wrong,
        "lost": lost,
        "doubled": doubled,
        "daily": (daily_day, daily_org),
        "monthly": (month, monthly_org),
        "waste": (waste_month, waste_org),
        "share": share,
    }


def test_credits_times_price_catches_a_cent(tampered: dict[str, Any]) -> None:
    run: DbtRun = tampered["run"]
    assert run.status("assert_fct_job_run_costs_cost_is_credits_times_price") == "fail"
    [problem] = run.problems("assert_fct_job_run_costs_cost_is_credits_times_price")
    assert problem.startswith(f"fct_job_run_costs row {tampered['priced_wrong']} has total_cost ")
    assert "but total_credits x price_per_credit = " in problem


def test_raw_rows_appear_exactly_once(tampered: dict[str, Any]) -> None:
    run: DbtRun = tampered["run"]
    assert run.status("assert_fct_job_run_costs_has_every_raw_row_once") == "fail"
    problems = set(run.problems("assert_fct_job_run_costs_has_every_raw_row_once"))
    assert problems == {
        f"usage_row_id {tampered['lost']} is in the raw table but missing from fct_job_run_costs",
        f"usage_row_id {tampered['doubled']} appears 2 times in fct_job_run_costs",
        "usage_row_id ghost-row is in fct_job_run_costs but not in the raw table",
    }


def _failure_at(tampered: dict[str, Any], test: str, spot: str) -> tuple[list[str], list[str]]:
    """The test failed: its problems that start with `spot` (at least one), and all of them."""
    run: DbtRun = tampered["run"]
    assert run.status(test) == "fail"
    problems = run.problems(test)
    at_spot = [p for p in problems if p.startswith(spot)]
    assert at_spot, problems
    return at_spot, problems


def test_daily_mart_conserves_cost_to_the_billionth(tampered: dict[str, Any]) -> None:
    day, org = tampered["daily"]
    [problem], problems = _failure_at(
        tampered,
        "assert_agg_daily_costs_conserve_cost",
        f"agg_daily_costs.network_cost for usage_date={day}, org_id={org}, currency=USD is ",
    )
    assert " but fct_job_run_costs sums to " in problem
    # the fact's own tampering (a cent, a lost, a doubled and an invented row) shows there too
    assert any(p.startswith("agg_daily_costs.total_cost for ") for p in problems)
    assert any(p.startswith("agg_daily_costs.usage_rows for ") for p in problems)


def test_monthly_mart_conserves_cost_to_the_cent(tampered: dict[str, Any]) -> None:
    month, org = tampered["monthly"]
    _failure_at(
        tampered,
        "assert_agg_monthly_costs_conserve_cost",
        f"agg_monthly_costs.total_cost for usage_month={month}, org_id={org}, currency=USD is ",
    )


def test_waste_mart_conserves_cost_to_the_billionth(tampered: dict[str, Any]) -> None:
    month, org = tampered["waste"]
    [problem], _ = _failure_at(
        tampered,
        "assert_waste_monthly_conserves_cost",
        f"waste_monthly.failed_cost for usage_month={month}, org_id={org}, currency=USD is ",
    )
    assert " but fct_job_run_costs sums to " in problem


def test_shares_of_a_policy_add_up_to_one(tampered: dict[str, Any]) -> None:
    run: DbtRun = tampered["run"]
    assert run.status("assert_shared_cost_shares_add_up_to_one") == "fail"
    day, org, policy, source, _ = tampered["share"]
    [problem] = run.problems("assert_shared_cost_shares_add_up_to_one")
    spot = f"shared-cost policy {policy} in org {org} on {day} hands on "
    assert problem.startswith(spot) and problem.endswith(f" of the cost of {source}, not 1")
    assert float(problem[len(spot) :].split(" ")[0]) == pytest.approx(0.9)


def test_price_list_tests_still_pass(tampered: dict[str, Any]) -> None:
    # only the tampered invariants fail: the tests do not fail on everything
    run: DbtRun = tampered["run"]
    for test in (
        "assert_credit_prices_do_not_overlap",
        "assert_credit_prices_are_positive_with_a_currency",
        "assert_credit_prices_end_after_they_start",
        "assert_credit_prices_use_one_currency",
        "assert_every_usage_day_has_a_credit_price",
        "assert_job_run_total_credits_is_the_sum_of_its_types",
    ):
        assert run.status(test) == "pass", test
