"""The demo summary's section on CI and cloud cost: correlated shifts, one line each."""

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
