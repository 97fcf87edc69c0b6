"""The HTML report in a real browser: every section drawn, every number equal to the marts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from loader.publish.marts import publish
from loader.report.build import write_report
from tests.loader.report import browser

MONEY = re.compile(r"([A-Z]{3}) (-?[\d,]+\.\d\d)")


@pytest.fixture(scope="module")
def published(marts_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("published")
    publish(marts_db, root, keep=1)
    return root / "circleci_costs.duckdb"


@pytest.fixture(scope="module")
def report(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(published, tmp_path_factory.mktemp("report") / "index.html")


def sql(db: Path, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def amounts(text: str) -> dict[str, float]:
    found = {currency: float(value.replace(",", "")) for currency, value in MONEY.findall(text)}
    assert found, f"no amount in {text!r}"
    return found


def assert_cents(shown: str, expected: list[tuple[Any, ...]]) -> None:
    """`shown` ("USD 1,234.56") equals the SQL sums per currency, to the cent."""
    want = {currency: float(total) for currency, total in expected if total is not None}
    got = amounts(shown)
    assert got.keys() == want.keys(), (shown, want)
    for currency, value in want.items():
        assert abs(got[currency] - value) < 0.0051, (shown, want)


def test_the_report_is_one_file_that_needs_no_network(report: Path) -> None:
    html = report.read_text()
    assert "<link" not in html
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<(img|iframe)[^>]+src=", html)
    assert "Plotly" in html and html.count("<script") == 3


@pytest.fixture(scope="module")
def page(report: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not browser.available():
        pytest.skip("Debian's chromium and chromium-driver are not installed: run `make browser`")
    driver = browser.open_browser(tmp_path_factory.mktemp("profile"))
    driver.get(report.as_uri())
    yield driver
    driver.quit()


def text(driver: Any, element_id: str) -> str:
    return str(driver.execute_script(f"return document.getElementById('{element_id}').innerText"))


def choose(driver: Any, select_id: str, value: str) -> None:
    driver.execute_script(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1];"
        "s.dispatchEvent(new Event('change'));",
        select_id,
        value,
    )


def test_no_console_errors_and_every_chart_is_drawn_with_data(page: Any, published: Path) -> None:
    assert page.execute_script("return document.body.dataset.rendered") == "1"
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    # nothing was fetched: no script, style, font or data from anywhere
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    charts = page.execute_script(
        "return [...document.querySelectorAll('section:not([hidden]) .chart')].map(c => "
        "[c.id, Number(c.dataset.points), c.querySelectorAll('.trace').length])"
    )
    assert len(charts) >= 9
    for chart_id, points, traces in charts:
        assert points > 0 and traces > 0, chart_id
    hidden = set(
        page.execute_script(
            "return [...document.querySelectorAll('section[hidden]')].map(s => s.id)"
        )
    )
    assert not hidden & {
        "sec-summary",
        "sec-monthly",
        "sec-breakdown",
        "sec-teams",
        "sec-anomalies",
        "sec-budgets",
        "sec-failed",
    }
    marts = {
        row[0]
        for row in sql(
            published, "select table_name from information_schema.tables where table_schema='marts'"
        )
    }
    if "fct_focus_costs" not in marts:
        assert "sec-focus" in hidden
    if "rightsizing_recommendations" not in marts:
        assert "sec-rightsizing" in hidden


def test_the_numbers_are_the_marts(page: Any, published: Path) -> None:
    monthly = "from marts.agg_monthly_costs"
    assert_cents(
        text(page, "kpi-total"),
        sql(published, f"select currency, sum(total_cost) {monthly} group by 1"),
    )
    assert_cents(
        text(page, "kpi-failed"),
        sql(published, f"select currency, sum(failed_job_runs_cost) {monthly} group by 1"),
    )
    latest = f"(select max(usage_month) {monthly} where is_complete_month)"
    assert_cents(
        text(page, "kpi-month"),
        sql(
            published,
            f"select currency, sum(total_cost) {monthly} where usage_month = {latest} group by 1",
        ),
    )
    active = sql(published, "select count(*) from marts.cost_anomalies where is_active")[0][0]
    assert active > 0
    assert text(page, "kpi-anomalies") == str(active)
    assert (
        page.execute_script("return document.querySelectorAll('[id^=chart-anomaly-]').length")
        == active
    )
    changes = page.execute_script(
        "return document.getElementById('chart-monthly').layout.shapes.length"
    )
    assert changes == 3  # TEST_PRICES: April for every org, globex's discount in and out

    rows = page.execute_script(
        "return [...document.querySelectorAll('#table-teams tr')].slice(1)"
        ".map(r => [...r.cells].map(c => c.innerText))"
    )
    expected = sql(
        published,
        """select team, currency, total_cost, budget_amount
        from marts.team_chargeback_monthly
        where usage_month = (select max(usage_month) from marts.team_chargeback_monthly
                             where is_complete_month) order by team""",
    )
    assert [r[0] for r in rows] == [e[0] for e in expected]
    for row, (_, currency, total, budget) in zip(rows, expected, strict=True):
        assert_cents(row[5], [(currency, total)])
        if budget is not None:
            assert_cents(row[7], [(currency, budget)])

    budgets = page.execute_script(
        "return [...document.querySelectorAll('#table-budgets tr')].slice(1)"
        ".map(r => [...r.cells].map(c => c.innerText))"
    )
    expected_budgets = sql(
        published,
        """select strftime(budget_month, '%Y-%m'), scope_type || ': ' || scope, currency,
        cost_to_date, forecast_cost from marts.budget_status_monthly
        where budget_month >= (select max(budget_month) - interval 1 month
                               from marts.budget_status_monthly)
        order by budget_month desc, scope_type, scope""",
    )
    assert len({e[0] for e in expected_budgets}) == 2  # the latest month and the one before
    assert [b[:2] for b in budgets] == [[e[0], e[1]] for e in expected_budgets]
    for row, (*_, currency, to_date, forecast) in zip(budgets, expected_budgets, strict=True):
        assert_cents(row[3], [(currency, to_date)])
        assert_cents(row[4], [(currency, forecast)])


def test_filters_by_org_and_team(page: Any, published: Path) -> None:
    org_id, org_name = sql(
        published,
        "select org_id, any_value(org_name) from marts.agg_monthly_costs "
        "group by 1 order by 1 limit 1",
    )[0]
    choose(page, "filter-org", org_id)
    assert_cents(
        text(page, "kpi-total"),
        sql(
            published,
            "select currency, sum(total_cost) from marts.agg_monthly_costs "
            "where org_id = ? group by 1",
            [org_id],
        ),
    )
    legend = page.execute_script(
        "return document.getElementById('chart-monthly').data.map(t => t.name)"
    )
    assert legend == [org_name]
    choose(page, "filter-org", "")
    choose(page, "filter-team", "mobile")
    teams = page.execute_script(
        "return [...document.querySelectorAll('#table-teams tr')].slice(1)"
        ".map(r => r.cells[0].innerText)"
    )
    assert teams == ["mobile"]
    choose(page, "filter-team", "")
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
