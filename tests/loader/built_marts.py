"""Marts built once per test session for the publish and report tests.

The dbt tests' generated usage (tests/dbt/raw_usage.py) and dbt runner build the marts, with a
runaway in ios-app on the last days of the data (so an anomaly is active) and org and team
budgets for the last two months (so budget burn has rows). Building costs a dbt run: it happens
once per test run, whichever module (or worker: tests/run_once.py) asks first, then each test
copies what it changes.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

DBT_TESTS = Path(__file__).resolve().parents[1] / "dbt"
if str(DBT_TESTS) not in sys.path:
    sys.path.insert(0, str(DBT_TESTS))

from raw_usage import LAST_DAY, make_raw_usage  # noqa: E402

from tests.dbt.conftest import (  # noqa: E402
    ROUTINE_BUILD,
    TEST_PRICES,
    TEST_SHARED_COSTS,
    TEST_TEAM_RULES,
    run_dbt,
    write_seeds,
)

RUNAWAY_DAYS = [LAST_DAY - timedelta(days=i) for i in range(2, -1, -1)]
RUNAWAY_CREDITS = Decimal(9000)
PREVIOUS_MONTH = LAST_DAY.replace(day=1) - timedelta(days=1)
BUDGETS = f"""scope_type,scope,month,budget_amount,currency
org,acme,{PREVIOUS_MONTH:%Y-%m}-01,400,USD
team,mobile,{PREVIOUS_MONTH:%Y-%m}-01,60,USD
org,acme,{LAST_DAY:%Y-%m}-01,400,USD
team,mobile,{LAST_DAY:%Y-%m}-01,60,USD
team,backend,{LAST_DAY:%Y-%m}-01,5000,USD
"""
_built: dict[str, Path] = {}


def _add_runaway(con: duckdb.DuckDBPyConnection) -> None:
    raw = "circleci_raw.usage_job_runs"
    template = (
        f"select * from {raw} where project_name = 'ios-app' and compute_credits > 0 "
        "order by usage_row_id limit 1"
    )
    zero = "cast(0 as decimal(38, 9))"
    for day in RUNAWAY_DAYS:
        for n in range(10):
            start = datetime(day.year, day.month, day.day, 1 + n, tzinfo=UTC)
            con.execute(
                f"""insert into {raw} select * replace (
                    ? as usage_row_id, ? as job_id, ? as job_run_date,
                    ? as job_run_started_at, ? as job_run_stopped_at,
                    3600 as job_run_seconds, 'build-ios' as job_name,
                    cast(? as decimal(38, 9)) as compute_credits,
                    {zero} as dlc_credits, {zero} as user_credits, {zero} as storage_credits,
                    {zero} as network_credits, {zero} as lease_credits,
                    {zero} as lease_overage_credits, {zero} as ipranges_credits,
                    cast(? as decimal(38, 9)) as total_credits
                ) from ({template})""",
                [
                    f"runaway-{day}-{n}",
                    f"runaway-{day}-{n}",
                    day,
                    start,
                    start + timedelta(hours=1),
                    RUNAWAY_CREDITS,
                    RUNAWAY_CREDITS,
                ],
            )


def built_marts(work: Path) -> Path:
    """The database with every mart built (built in `work` on the session's first call)."""
    if "db" not in _built:
        db = work / "circleci_costs.duckdb"
        with duckdb.connect(str(db)) as con:
            make_raw_usage(con)
            _add_runaway(con)
        seeds = write_seeds(
            work / "seeds", TEST_PRICES, team_rules=TEST_TEAM_RULES, shared_costs=TEST_SHARED_COSTS
        )
        (seeds / "budgets.csv").write_text(BUDGETS)
        run = run_dbt(ROUTINE_BUILD, db=db, seeds=seeds, work=work)
        assert run.returncode == 0, run.output[-4000:]
        _built["db"] = db
    return _built["db"]


def last_day() -> date:
    """The last day of the generated usage."""
    return LAST_DAY
