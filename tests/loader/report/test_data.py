"""Sections appear only for the marts that are published, whichever names their columns use."""

from __future__ import annotations

import duckdb

from loader.report.data import read_report_data


def published_with(*statements: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table main.publication as select 'v1' as version, now() as published_at, "
        "'x' as mart, 0 as row_count"
    )
    for statement in statements:
        con.execute(statement)
    return con


def test_only_the_published_marts_give_sections() -> None:
    data = read_report_data(published_with())
    sections = ("monthly", "price_changes", "breakdown", "teams", "anomalies", "budgets")
    assert all(data[name] is None for name in sections)
    assert data["focus"] is None and data["rightsizing"] is None


def test_focus_costs_by_month_and_provider_in_either_spelling() -> None:
    for cost, start, provider, currency in (
        ("BilledCost", "ChargePeriodStart", "ProviderName", "BillingCurrency"),
        ("billed_cost", "charge_period_start", "service_provider_name", "billing_currency"),
    ):
        con = published_with(
            f"""create table marts.fct_focus_costs as select * from (values
                (1.5, timestamp '2026-10-03', 'AWS', 'USD'),
                (2.0, timestamp '2026-10-20', 'AWS', 'USD'),
                (4.0, timestamp '2026-10-20', 'CircleCI', 'USD'))
                as t("{cost}", "{start}", "{provider}", "{currency}")"""
        )
        assert read_report_data(con)["focus"] == [
            {"month": "2026-10", "provider": "AWS", "currency": "USD", "cost": 3.5},
            {"month": "2026-10", "provider": "CircleCI", "currency": "USD", "cost": 4.0},
        ]


def test_focus_mart_without_focus_columns_gives_no_section() -> None:
    con = published_with("create table marts.fct_focus_costs as select 1 as something")
    assert read_report_data(con)["focus"] is None


def test_rightsizing_largest_savings_first() -> None:
    con = published_with(
        """create table marts.rightsizing_recommendations as select * from (values
            ('org', 'api', 'build', 'large', 'medium', 12.5, 'p95 cpu 30 %', 'id1'),
            ('org', 'web', 'test', 'xlarge', 'large', 40.0, 'p95 cpu 20 %', 'id2'))
            as t(org_name, project_name, job_name, current_resource_class,
                 recommended_resource_class, estimated_monthly_savings, reason, project_id)"""
    )
    section = read_report_data(con)["rightsizing"]
    assert section["savings_column"] == "estimated_monthly_savings"
    assert "project_id" not in section["columns"]
    assert [row["project_name"] for row in section["rows"]] == ["web", "api"]


def test_nothing_published_is_a_one_line_error(tmp_path) -> None:
    import pytest

    from loader.errors import LoaderError
    from loader.report.build import write_report

    with pytest.raises(LoaderError, match="No published marts at .* run `make demo`"):
        write_report(tmp_path / "circleci_costs.duckdb", tmp_path / "index.html")
    assert not (tmp_path / "index.html").exists()


def test_values_become_json_without_nan() -> None:
    from datetime import date
    from decimal import Decimal

    from loader.report.data import _plain

    assert _plain(Decimal("1.250000000000000000")) == 1.25
    assert _plain(float("nan")) is None and _plain(float("inf")) is None
    assert _plain(date(2026, 10, 1)) == "2026-10-01"
