"""Sections appear only for the marts that are published, read from their own columns."""

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


def test_focus_costs_by_month_and_provider() -> None:
    con = published_with(
        """create table marts.fct_focus_costs as select * from (values
            (1.5, timestamp '2026-10-03', 'AWS', 'USD'),
            (2.0, timestamp '2026-10-20', 'AWS', 'USD'),
            (4.0, timestamp '2026-10-20', 'CircleCI', 'USD'))
            as t(EffectiveCost, ChargePeriodStart, ProviderName, BillingCurrency)"""
    )
    assert read_report_data(con)["focus"] == [
        {"month": "2026-10", "provider": "AWS", "currency": "USD", "cost": 3.5},
        {"month": "2026-10", "provider": "CircleCI", "currency": "USD", "cost": 4.0},
    ]


def test_rightsizing_largest_savings_first_and_no_moves_without_savings() -> None:
    con = published_with(
        """create table marts.rightsizing_recommendations as select * from (values
            ('org', 'api', 'ci', 'build', 'large', 'down', 'medium', 12.5, 'USD', 'high', 'a'),
            ('org', 'web', 'ci', 'test', 'xlarge', 'down', 'large', 40.0, 'USD', 'high', 'b'),
            ('org', 'db', 'ci', 'e2e', 'medium', 'keep', 'medium', 0.0, 'USD', 'high', 'c'))
            as t(org_name, project_name, workflow_name, job_name, resource_class, action,
                 recommended_class, estimated_savings_per_month, currency, confidence, reason)"""
    )
    section = read_report_data(con)["rightsizing"]
    assert section["savings_column"] == "estimated_savings_per_month"
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
