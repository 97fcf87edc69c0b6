"""The demo summary's sections on CI and cloud cost.

Each team's CI and cloud cost side by side, and the correlated shifts, one line each.
"""

from __future__ import annotations

import duckdb


def show_cost_shifts(con: duckdb.DuckDBPyConnection, limit: int = 12) -> None:
    """Print the CI episodes with the cloud cost that moved with them, and cloud-only shifts."""
    rows = con.execute(
        f"""select correlation_kind, description from marts.cost_shift_correlations
            where moved_with_ci or correlation_kind = 'cloud_without_ci'
            order by correlation_kind, last_day desc, abs(cloud_change_cost) desc
            limit {int(limit)}"""
    ).fetchall()
    if not rows:
        print("\nCI and cloud cost shifts (marts.cost_shift_correlations): none.")
        return
    print("\nCI and cloud cost shifts (marts.cost_shift_correlations):")
    for kind, description in rows:
        marker = "moved with CI" if kind == "ci_with_cloud" else "cloud only   "
        print(f"  {marker}  {description}")


def show_team_ci_cloud(con: duckdb.DuckDBPyConnection) -> None:
    """Each team's CI and cloud cost in the last month before the current one, side by side."""
    month = con.execute(
        """select coalesce(
               max(cost_month) filter (
                   where cost_month < (select max(cost_month) from marts.team_ci_cloud_monthly)
               ),
               max(cost_month))
           from marts.team_ci_cloud_monthly where cloud_cost <> 0"""
    ).fetchall()[0][0]
    if month is None:
        return
    print(
        f"\nCI and cloud cost by team, {month:%Y-%m} (marts.team_ci_cloud_monthly; "
        "cloud bills: python -m loader focus):"
    )
    con.sql(
        f"""select team, currency, round(ci_cost, 2) as ci_cost,
                   round(cloud_cost, 2) as cloud_cost, round(total_cost, 2) as total_cost,
                   ci_share_pct
            from marts.team_ci_cloud_monthly
            where cost_month = date '{month}'
            order by total_cost desc"""
    ).show(max_rows=50, max_width=160)
