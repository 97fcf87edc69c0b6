"""What the report shows, read from the published marts as small tables of plain values.

Each section is one query over one or two marts; the browser only filters and sums these rows,
so every number on the page is traceable to mart rows. A section whose mart is not published
is left out (`None`), so the report works with whichever marts the project builds.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import duckdb

Rows = list[dict[str, Any]]

MONTHLY_BY_ORG = """
select strftime(usage_month, '%Y-%m') as month, org_id, coalesce(org_name, org_id) as org,
       currency, bool_and(is_complete_month) as is_complete_month,
       sum(total_cost) as cost, sum(failed_job_runs_cost) as failed_cost,
       sum(failed_job_runs) as failed_job_runs, sum(job_runs) as job_runs
from marts.agg_monthly_costs
group by all
order by month, org
"""

# The first day of each contracted price after a different one, per org (prices come from
# credit_prices.csv through fct_job_run_costs.price_per_credit).
PRICE_CHANGES = """
with daily as (
    select org_id, coalesce(any_value(org_name), org_id) as org, usage_date,
           min(price_per_credit) as price, any_value(currency) as currency
    from marts.fct_job_run_costs
    group by org_id, usage_date
),
changes as (
    select *, lag(price) over (partition by org_id order by usage_date) as previous_price
    from daily
)
select strftime(usage_date, '%Y-%m-%d') as day, org_id, org, previous_price, price, currency
from changes
where previous_price is not null and previous_price <> price
order by day, org
"""

# Cost by project, workflow and resource class in the latest complete month and the one before.
BREAKDOWN = """
with months as (
    select max(usage_month) filter (where is_complete_month) as latest
    from marts.agg_monthly_costs
),
daily as (
    select d.*, date_trunc('month', d.usage_date) as month
    from marts.agg_daily_costs as d
),
in_scope as (
    select daily.*, months.latest
    from daily, months
    where daily.month in (months.latest, months.latest - interval 1 month)
),
unpivoted as (
    select 'project' as dimension, project_name as name, * from in_scope
    union all by name
    select 'workflow' as dimension, project_name || ' / ' || workflow_name as name, *
    from in_scope
    union all by name
    select 'resource class' as dimension, resource_class as name, * from in_scope
),
final as (
    select dimension, coalesce(name, '(org-level: seats etc.)') as name,
           org_id, currency,
           strftime(any_value(latest), '%Y-%m') as month,
           sum(total_cost) filter (where month = latest) as cost,
           sum(total_cost) filter (where month < latest) as previous_cost
    from unpivoted
    group by all
)
select * from final order by dimension, cost desc nulls last
"""

TEAM_CHARGEBACK = """
select strftime(usage_month, '%Y-%m') as month, is_complete_month, team, currency,
       direct_cost, split_cost, shared_cost_received, shared_cost_given, total_cost,
       share_of_total_pct, budget_amount, budget_used_pct
from marts.team_chargeback_monthly
order by month, team
"""

ACTIVE_ANOMALIES = """
select anomaly_id, scope_type, scope_name, org_id, team_name, direction, severity,
       strftime(first_day, '%Y-%m-%d') as first_day, strftime(last_day, '%Y-%m-%d') as last_day,
       currency, actual_cost, expected_cost, impact_cost, impact_pct,
       driver_project_name, driver_workflow_name, driver_job_name, driver_resource_class,
       description
from marts.cost_anomalies
where is_active
order by abs(impact_cost) desc
"""

# The series of each active anomaly's scope: eight weeks before its first day up to today.
ANOMALY_SERIES = """
select a.anomaly_id, strftime(s.usage_date, '%Y-%m-%d') as day, s.actual_cost,
       s.expected_cost, s.lower_bound_cost, s.upper_bound_cost, s.is_anomaly
from marts.cost_anomalies as a
join marts.cost_daily_series as s
    on s.scope_type = a.scope_type and s.scope_key = a.scope_key
   and s.usage_date >= a.first_day - interval 56 day
where a.is_active
order by a.anomaly_id, s.usage_date
"""

BUDGETS = """
select strftime(budget_month, '%Y-%m') as month, scope_type, scope, month_state,
       strftime(as_of_date, '%Y-%m-%d') as as_of_date, currency, budget_amount, cost_to_date,
       forecast_cost, pct_used, forecast_pct, status
from marts.budget_status_monthly
where budget_month >= (select max(budget_month) - interval 1 month
                       from marts.budget_status_monthly)
order by budget_month desc, scope_type, scope
"""

FAILED_BY_PROJECT = """
select strftime(usage_month, '%Y-%m') as month, org_id, project_name as project, currency,
       sum(failed_job_runs_cost) as failed_cost, sum(total_cost) as cost
from marts.agg_monthly_costs
group by all
having sum(failed_job_runs_cost) > 0
order by month, failed_cost desc
"""


FOCUS_BY_PROVIDER = """
select strftime(date_trunc('month', ChargePeriodStart), '%Y-%m') as month,
       ProviderName as provider, BillingCurrency as currency, sum(EffectiveCost) as cost
from marts.fct_focus_costs
group by all
order by month, provider
"""

# The columns of rightsizing_recommendations the table shows, in order.
RIGHTSIZING_COLUMNS = (
    "org_name",
    "project_name",
    "workflow_name",
    "job_name",
    "resource_class",
    "action",
    "recommended_class",
    "estimated_savings_per_month",
    "currency",
    "confidence",
    "reason",
)
RIGHTSIZING_SAVINGS = "estimated_savings_per_month"
RIGHTSIZING_TOP = f"""
select {", ".join(RIGHTSIZING_COLUMNS)}
from marts.rightsizing_recommendations
where {RIGHTSIZING_SAVINGS} > 0
order by {RIGHTSIZING_SAVINGS} desc
limit 20
"""


def _plain(value: Any) -> Any:
    """A JSON value: decimals as floats (the page sums them and shows cents), no NaN."""
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> Rows:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, map(_plain, row), strict=True)) for row in cursor.fetchall()]


def published_marts(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The marts the published file holds."""
    found = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()
    return {str(row[0]) for row in found}


def read_report_data(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every table the report draws, keyed by section; a missing mart gives `None`."""
    marts = published_marts(con)

    def when(needed: set[str], sql: str) -> Rows | None:
        return _rows(con, sql) if needed <= marts else None

    version = con.execute(
        "select any_value(version), any_value(published_at) from main.publication"
    ).fetchall()[0]
    return {
        "published": {"version": version[0], "published_at": _plain(version[1])},
        "monthly": when({"agg_monthly_costs"}, MONTHLY_BY_ORG),
        "price_changes": when({"fct_job_run_costs"}, PRICE_CHANGES),
        "breakdown": when({"agg_monthly_costs", "agg_daily_costs"}, BREAKDOWN),
        "teams": when({"team_chargeback_monthly"}, TEAM_CHARGEBACK),
        "anomalies": when({"cost_anomalies"}, ACTIVE_ANOMALIES),
        "anomaly_series": when({"cost_anomalies", "cost_daily_series"}, ANOMALY_SERIES),
        "budgets": when({"budget_status_monthly"}, BUDGETS),
        "failed": when({"agg_monthly_costs"}, FAILED_BY_PROJECT),
        "focus": when({"fct_focus_costs"}, FOCUS_BY_PROVIDER),
        "rightsizing": (
            {
                "columns": list(RIGHTSIZING_COLUMNS),
                "rows": _rows(con, RIGHTSIZING_TOP),
                "savings_column": RIGHTSIZING_SAVINGS,
            }
            if "rightsizing_recommendations" in marts
            else None
        ),
    }
