"""`python -m loader.summary`: what the database says, in a few tables (printed by `make demo`).

Each section appears once the models behind it are built, so the summary works after a load
alone and grows with the marts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from loader.focus.summary import show_cost_shifts, show_team_ci_cloud
from loader.source.pipeline import REPO_ROOT, database_path

# The queries are dbt analyses in plain SQL, so they also run as they are in DuckDB.
ANALYSES = REPO_ROOT / "dbt_project" / "analyses"

COST_BY_ORG_AND_MONTH = ANALYSES / "cost_by_org_and_month.sql"
ACTIVE_ANOMALIES = ANALYSES / "active_anomalies.sql"
BUDGETS_AT_RISK = ANALYSES / "budgets_at_risk.sql"
TEAM_CHARGEBACK = ANALYSES / "team_chargeback.sql"
TOP_RIGHTSIZING = ANALYSES / "top_rightsizing.sql"
WASTE_BY_TEAM = ANALYSES / "waste_by_team.sql"
NOT_THE_INVOICE = (
    "Figures come from CircleCI's usage export, which is not the invoice: totals differ "
    "slightly from the Plans page."
)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(found[0][0])


def _show(con: duckdb.DuckDBPyConnection, title: str, sql: str) -> None:
    print(f"\n{title}")
    con.sql(sql).show(max_rows=200, max_width=160)


def _value(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(str(_value(con, sql) or 0))


def _show_anomalies(con: duckdb.DuckDBPyConnection) -> None:
    """The active cost anomalies and the latest ended ones, or a line saying there are none."""
    day = _value(con, "select max(usage_date) from marts.cost_daily_series")
    if not _count(con, "select count(*) from marts.cost_anomalies"):
        print(f"\nCost anomalies (marts.cost_anomalies): none through {day}.")
        return
    active = _count(con, "select count(*) from marts.cost_anomalies where is_active")
    _show(
        con,
        f"Cost anomalies (marts.cost_anomalies), complete UTC days through {day}: "
        f"{active} active, then the latest that ended. Seat credits left out:",
        ACTIVE_ANOMALIES.read_text(),
    )


def _show_budgets(con: duckdb.DuckDBPyConnection) -> None:
    """Budgets over or at risk, this month and last, or a line saying how many are on track."""
    budgets = _count(con, "select count(*) from marts.budget_status_monthly")
    if not budgets:
        return
    flagged = _count(
        con,
        "select count(*) from marts.budget_status_monthly where status in ('over', 'at risk')",
    )
    if not flagged:
        print(f"\nBudgets (marts.budget_status_monthly): all {budgets} on track.")
        return
    _show(
        con,
        "Budgets over or at risk, this month and last (marts.budget_status_monthly; "
        "seat credits left out, forecast at each weekday's recent rate):",
        BUDGETS_AT_RISK.read_text(),
    )


def _show_team_chargeback(con: duckdb.DuckDBPyConnection) -> None:
    """The latest complete month's chargeback by team (the latest month if none is complete)."""
    latest = con.execute(
        """
        select strftime(usage_month, '%Y-%m'), is_complete_month, max(allocation_coverage_pct)
        from marts.team_chargeback_monthly
        group by usage_month, is_complete_month
        order by is_complete_month desc, usage_month desc
        limit 1
        """
    ).fetchall()
    if not latest:
        return
    month, complete, coverage = latest[0]
    when = month if complete else f"{month}, partial: no month is complete yet"
    _show(
        con,
        f"Chargeback by team for {when} (marts.team_chargeback_monthly): rules placed "
        f"{coverage} % of the cost, the rest is `unallocated`:",
        TEAM_CHARGEBACK.read_text(),
    )


def print_summary(db: Path) -> None:
    """Print the summary of the database at `db`."""
    if not db.exists():
        print(f"{db} does not exist: run `make demo` or `make refresh` first.")
        return
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        if not _exists(con, "circleci_raw", "usage_job_runs"):
            print(f"{db} holds no usage yet: run `make demo` or `make refresh`.")
            return
        _show(
            con,
            "Loaded usage (circleci_raw.usage_job_runs), per organization:",
            """
            select organization_name as org,
                   min(job_run_date) as first_day,
                   max(job_run_date) as last_day,
                   count(distinct job_run_date) as days,
                   count(job_id) as job_runs,
                   round(sum(total_credits), 0) as credits
            from circleci_raw.usage_job_runs
            group by all
            order by org
            """,
        )
        if _exists(con, "marts", "agg_monthly_costs"):
            _show(
                con,
                "Cost by organization and month (marts.agg_monthly_costs), UTC months:",
                COST_BY_ORG_AND_MONTH.read_text(),
            )
        if _exists(con, "marts", "team_chargeback_monthly"):
            _show_team_chargeback(con)
        if _exists(con, "marts", "cost_anomalies"):
            _show_anomalies(con)
        if _exists(con, "marts", "budget_status_monthly"):
            _show_budgets(con)
        if _exists(con, "marts", "rightsizing_recommendations"):
            _show(
                con,
                "Right-sizing: the moves that save the most (marts.rightsizing_recommendations, "
                "last complete days; compute cost, same run time):",
                TOP_RIGHTSIZING.read_text(),
            )
        if _exists(con, "marts", "waste_monthly"):
            _show(con, "Waste by team (marts.waste_monthly):", WASTE_BY_TEAM.read_text())
        if _exists(con, "marts", "team_ci_cloud_monthly"):
            show_team_ci_cloud(con)
        if _exists(con, "marts", "cost_shift_correlations"):
            show_cost_shifts(con)
    print(f"\n{NOT_THE_INVOICE}")


def main() -> int:
    """Print the summary of `$CIRCLECI_COSTS_DB`; 2 when its marts do not match the models."""
    db = database_path(sys.argv[1] if len(sys.argv) > 1 else None)
    try:
        print_summary(db)
    except (duckdb.BinderException, duckdb.CatalogException) as error:
        # marts built by an older version of the models lack what the summary reads
        reason = str(error).splitlines()[0]
        print(
            f"error: the marts in {db} do not match this version of the models ({reason}): "
            "run `make transform` to rebuild them.",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
