"""A wrong price list stops the build before any cost is published, naming what is wrong.

Two builds on copies of the generated raw data: one price list with a broken row of each
kind (the four price-list tests fail, each naming its rows), one valid list that leaves days
uncovered (the coverage test names the orgs and the day ranges). In both, no mart is built.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROUTINE_BUILD, DbtRun, copy_db, run_dbt, write_seeds
from raw_usage import ORG_A, ORG_B

MARTS = ("fct_job_run_costs", "agg_daily_costs", "agg_monthly_costs")

BROKEN_ROWS = f"""org_id,price_per_credit,currency,effective_from,effective_until,note
,0.0006,USD,2015-01-01,2026-03-31,list price
,0.0005,USD,2026-03-15,,overlaps the list price
{ORG_A},0.0004,USD,2026-01-01,2026-06-30,acme deal
{ORG_A},0.00041,USD,2026-06-30,,acme renewal starting a day early
{ORG_B},0,USD,2010-01-01,2010-12-31,free year
{ORG_B},-0.0001,USD,2011-01-01,2011-12-31,negative
{ORG_B},0.0004,,2012-01-01,2012-12-31,no currency
{ORG_B},0.0004,EUR,2013-06-01,2013-01-01,ends before it starts
{ORG_B},0.0000123456789,USD,2014-01-01,2014-06-30,too precise
{ORG_B},cheap,USD,2014-07-01,2014-12-31,not a number
"""

# Valid rows, but: nothing before 2025-10-03, a gap 2026-04-01..2026-04-04 for every org but
# globex (its own price covers it), and nothing after 2026-10-20 for acme.
GAPPY_PRICES = f"""org_id,price_per_credit,currency,effective_from,effective_until,note
,0.0006,USD,2025-10-03,2026-03-31,list price
,0.0005,USD,2026-04-05,2026-10-20,negotiated
{ORG_B},0.0004,USD,2026-04-01,,globex from April
"""


def _build(raw_db: Path, tmp: Path, prices: str) -> DbtRun:
    db = copy_db(raw_db, tmp / "circleci_costs.duckdb")
    return run_dbt(ROUTINE_BUILD, db=db, seeds=write_seeds(tmp / "seeds", prices), work=tmp)


@pytest.fixture(scope="module")
def broken_rows_run(raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    return _build(raw_db, tmp_path_factory.mktemp("broken_rows"), BROKEN_ROWS)


@pytest.fixture(scope="module")
def gappy_run(raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    return _build(raw_db, tmp_path_factory.mktemp("gappy"), GAPPY_PRICES)


def _assert_no_mart_built(run: DbtRun) -> None:
    assert run.returncode != 0
    for mart in MARTS:
        assert run.status(mart) == "skipped", mart


def test_broken_price_rows_stop_the_build(broken_rows_run: DbtRun) -> None:
    _assert_no_mart_built(broken_rows_run)
    assert broken_rows_run.status("int_org_days_priced") == "skipped"


def test_overlapping_prices_are_named(broken_rows_run: DbtRun) -> None:
    assert broken_rows_run.status("assert_credit_prices_do_not_overlap") == "fail"
    problems = broken_rows_run.problems("assert_credit_prices_do_not_overlap")
    assert len(problems) == 2, problems
    text = "\n".join(problems)
    assert '"list price"' in text and '"overlaps the list price"' in text
    assert "overlap for all orgs from 2026-03-15 until 2026-03-31" in text
    assert f"overlap for {ORG_A} from 2026-06-30 until 2026-06-30" in text
    # an org's own row beside an all-orgs row is not an overlap
    assert not any('"acme deal"' in p and '"list price"' in p for p in problems)


def test_prices_must_be_positive_with_a_currency(broken_rows_run: DbtRun) -> None:
    assert broken_rows_run.status("assert_credit_prices_are_positive_with_a_currency") == "fail"
    problems = broken_rows_run.problems("assert_credit_prices_are_positive_with_a_currency")
    assert len(problems) == 5, problems
    text = "\n".join(problems)
    assert '"free year"] has price_per_credit 0: a price must be above 0' in text
    assert '"negative"] has price_per_credit -0.0001: a price must be above 0' in text
    assert '"no currency"] has no currency' in text
    # a DECIMAL seed column would have rounded this one silently to 0.000012346
    assert '"too precise"] has price_per_credit 0.0000123456789 with more than 9 decimals' in text
    assert '"not a number"] has price_per_credit "cheap", which is not a number' in text


def test_prices_must_not_end_before_they_start(broken_rows_run: DbtRun) -> None:
    assert broken_rows_run.status("assert_credit_prices_end_after_they_start") == "fail"
    [problem] = broken_rows_run.problems("assert_credit_prices_end_after_they_start")
    assert f"[{ORG_B} from 2013-06-01 until 2013-01-01" in problem
    assert "ends (effective_until) before it starts (effective_from)" in problem


def test_prices_must_share_one_currency(broken_rows_run: DbtRun) -> None:
    assert broken_rows_run.status("assert_credit_prices_use_one_currency") == "fail"
    [problem] = broken_rows_run.problems("assert_credit_prices_use_one_currency")
    assert "mixes currencies: EUR (1 rows), USD (8 rows)" in problem


def test_usage_days_without_a_price_are_named(gappy_run: DbtRun) -> None:
    _assert_no_mart_built(gappy_run)
    # the price list itself is fine: only coverage fails
    for test in (
        "assert_credit_prices_do_not_overlap",
        "assert_credit_prices_are_positive_with_a_currency",
        "assert_credit_prices_end_after_they_start",
        "assert_credit_prices_use_one_currency",
    ):
        assert gappy_run.status(test) == "pass", test
    assert gappy_run.status("assert_every_usage_day_has_a_credit_price") == "fail"
    problems = gappy_run.problems("assert_every_usage_day_has_a_credit_price")
    by_org = {p.split()[1]: p for p in problems}
    assert by_org.keys() == {ORG_A, ORG_B}
    acme, globex = by_org[ORG_A], by_org[ORG_B]
    assert (
        "(acme)" in acme
        and "day(s) that no credit price covers: "
        "2025-10-01..2025-10-02, 2026-04-01..2026-04-04, 2026-10-21"
        in acme
    )
    assert "add a row to credit_prices.csv that covers them" in acme
    # globex's own price covers April and after: only the first two days are missing
    assert (
        "(globex) has usage on 2 day(s) that no credit price covers: 2025-10-01..2025-10-02 ("
        in globex
    )


def test_an_absolute_seed_path_is_refused_before_it_is_overwritten(tmp_path: Path) -> None:
    # dbt writes a seed's SQL to target/run/<project>/<seed path>: for an absolute path that
    # is the CSV itself (dbt-core issue 7373). The project stops first.
    prices = (
        "org_id,price_per_credit,currency,effective_from,effective_until,note\n"
        ",0.0006,USD,2015-01-01,,list\n"
    )
    seeds = write_seeds(tmp_path / "seeds", prices)
    run = run_dbt(
        ["seed"], db=tmp_path / "db.duckdb", seeds=seeds, work=tmp_path, relative_seeds=False
    )
    assert run.returncode != 0
    assert "Set CIRCLECI_COSTS_SEEDS to a path relative to dbt_project/" in run.output
    assert (seeds / "credit_prices.csv").read_text() == prices
