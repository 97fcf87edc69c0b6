"""The clean build: every node passes, and its figures match an independent computation.

The reference here is plain Python with Decimal, written from the documented rules (UTC start
day else job_run_date; an org's own price over the all-orgs price; inclusive periods), not
from the SQL. Money is compared exactly: the marts keep unrounded decimals.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, date, timedelta
from decimal import Decimal, localcontext
from typing import Any

import duckdb
import pytest
from conftest import TEST_PRICES, Build

CREDIT_TYPES = [
    "compute",
    "dlc",
    "user",
    "storage",
    "network",
    "lease",
    "lease_overage",
    "ipranges",
]
FAILED = {"failed", "infrastructure_fail", "timedout"}
LIST_PRICE = Decimal("0.0006")


def query(db: Any, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def price_for(prices: list[dict[str, Any]], org_id: str, day: date) -> dict[str, Any] | None:
    def covers(p: dict[str, Any]) -> bool:
        return p["from"] <= day and (p["until"] is None or day <= p["until"])

    own = [p for p in prices if p["org_id"] == org_id and covers(p)]
    common = [p for p in prices if p["org_id"] is None and covers(p)]
    chosen = own or common
    assert len(chosen) <= 1, f"test price list overlaps on {day}"
    return chosen[0] if chosen else None


def parse_prices(text: str) -> list[dict[str, Any]]:
    return [
        {
            "org_id": row["org_id"] or None,
            "price": Decimal(row["price_per_credit"]),
            "currency": row["currency"],
            "from": date.fromisoformat(row["effective_from"]),
            "until": date.fromisoformat(row["effective_until"]) if row["effective_until"] else None,
        }
        for row in csv.DictReader(io.StringIO(text))
    ]


@pytest.fixture(scope="module")
def expected_rows(build: Build) -> dict[str, dict[str, Any]]:
    """Every raw row priced in Python, by usage_row_id."""
    prices = parse_prices(TEST_PRICES)
    rows = query(build.db, "select * from circleci_raw.usage_job_runs")
    out = {}
    for raw in rows:
        started = raw["job_run_started_at"]
        day = started.astimezone(UTC).date() if started else raw["job_run_date"]
        price = price_for(prices, raw["organization_id"], day)
        assert price is not None
        row = {
            "usage_date": day,
            "org_id": raw["organization_id"],
            "project_id": raw["project_id"],
            "workflow_name": raw["workflow_name"],
            "job_name": raw["job_name"],
            "resource_class": raw["resource_class"],
            "price_per_credit": price["price"],
            "currency": price["currency"],
            "is_failed": raw["job_build_status"] in FAILED,
            "is_job_run": raw["job_id"] is not None,
            "job_run_seconds": raw["job_run_seconds"],
        }
        for t in [*CREDIT_TYPES, "total"]:
            row[f"{t}_credits"] = raw[f"{t}_credits"]
            row[f"{t}_cost"] = raw[f"{t}_credits"] * price["price"]
        row["list_price_cost"] = raw["total_credits"] * LIST_PRICE
        out[raw["usage_row_id"]] = row
    return out


def test_every_node_passes(build: Build) -> None:
    statuses = {uid: r["status"] for uid, r in build.run.results.items()}
    assert statuses, "no run results"
    assert {s for s in statuses.values()} <= {"success", "pass"}, statuses
    kinds = defaultdict(int)
    for uid in statuses:
        kinds[uid.split(".")[0]] += 1
    # the project's safety net is really there: unit tests and data tests ran
    assert kinds["unit_test"] >= 7
    assert kinds["test"] >= 40
    assert kinds["model"] >= 7


def test_schemas_are_not_prefixed(build: Build) -> None:
    tables = query(
        build.db,
        """
        select table_schema, table_name from information_schema.tables
        where table_schema not in ('circleci_raw')
    """,
    )
    where = {(t["table_schema"], t["table_name"]) for t in tables}
    assert ("seeds", "credit_prices") in where
    assert ("staging", "stg_circleci__job_runs") in where
    assert ("staging", "stg_seeds__credit_prices") in where
    assert ("intermediate", "int_org_days_priced") in where
    assert ("intermediate", "int_job_runs_priced") in where
    for mart in ("fct_job_run_costs", "agg_daily_costs", "agg_monthly_costs"):
        assert ("marts", mart) in where
    assert {schema for schema, _ in where} == {"seeds", "staging", "intermediate", "marts"}


def test_fact_prices_every_row_like_the_reference(build: Build, expected_rows: dict) -> None:
    fact = {r["usage_row_id"]: r for r in query(build.db, "select * from marts.fct_job_run_costs")}
    assert fact.keys() == expected_rows.keys()
    mismatches = []
    for row_id, want in expected_rows.items():
        got = fact[row_id]
        for column, value in want.items():
            if column in ("workflow_name", "job_name", "resource_class", "project_id"):
                continue
            if got[column] != value:
                mismatches.append((row_id, column, got[column], value))
        if got["list_price_cost"] - got["total_cost"] != got["savings_vs_list_price"]:
            mismatches.append((row_id, "savings_vs_list_price", got["savings_vs_list_price"], None))
    assert not mismatches, mismatches[:10]
    # the price list really is exercised: each of its three rows prices some usage
    keys = {r["price_key"] for r in fact.values()}
    assert len(keys) == 3, keys


def test_costs_are_exact_decimals(build: Build) -> None:
    types = {
        r["column_name"]: r["data_type"]
        for r in query(
            build.db,
            """
            select column_name, data_type from information_schema.columns
            where table_schema = 'marts' and table_name = 'fct_job_run_costs'
        """,
        )
    }
    assert types["total_cost"] == "DECIMAL(38,18)"
    assert types["total_credits"] == "DECIMAL(38,9)"
    assert types["price_per_credit"] == "DECIMAL(18,9)"
    # and some costs really need the 18 decimals (fractional network credits x price)
    [row] = query(
        build.db,
        """
        select count(*) as n from marts.fct_job_run_costs
        where network_cost <> round(network_cost, 9)
    """,
    )
    assert row["n"] > 0


def _sum_by(expected: dict, key_of: Any) -> dict[tuple, dict[str, Decimal]]:
    sums: dict[tuple, dict[str, Any]] = defaultdict(lambda: defaultdict(Decimal))
    for row in expected.values():
        bucket = sums[key_of(row)]
        for t in [*CREDIT_TYPES, "total"]:
            bucket[f"{t}_credits"] += row[f"{t}_credits"]
            bucket[f"{t}_cost"] += row[f"{t}_cost"]
        bucket["list_price_cost"] += row["list_price_cost"]
        bucket["usage_rows"] += 1
        bucket["job_runs"] += row["is_job_run"]
        bucket["failed_job_runs"] += row["is_failed"]
        bucket["failed_job_runs_cost"] += row["total_cost"] if row["is_failed"] else 0
        bucket["job_run_seconds"] += row["job_run_seconds"] or 0
    return sums


def test_daily_mart_matches_the_reference(build: Build, expected_rows: dict) -> None:
    grain = ("usage_date", "org_id", "project_id", "workflow_name", "job_name", "resource_class")
    with localcontext() as ctx:
        ctx.prec = 60
        want = _sum_by(expected_rows, lambda r: tuple(r[k] for k in grain))
    got = {
        tuple(r[k] for k in grain): r
        for r in query(build.db, "select * from marts.agg_daily_costs")
    }
    assert got.keys() == want.keys()
    bad = [
        (key, measure, got[key][measure], value)
        for key, measures in want.items()
        for measure, value in measures.items()
        if got[key][measure] != value
    ]
    assert not bad, bad[:10]


def test_monthly_mart_matches_the_reference(build: Build, expected_rows: dict) -> None:
    with localcontext() as ctx:
        ctx.prec = 60
        want = _sum_by(
            expected_rows, lambda r: (r["usage_date"].replace(day=1), r["org_id"], r["project_id"])
        )
    rows = query(build.db, "select * from marts.agg_monthly_costs")
    got = {(r["usage_month"], r["org_id"], r["project_id"]): r for r in rows}
    # every month with usage is there with the reference's sums; other rows are zero-filled
    for key, measures in want.items():
        for measure, value in measures.items():
            assert got[key][measure] == value, (key, measure)
    for key in got.keys() - want.keys():
        assert got[key]["total_cost"] == 0 and got[key]["usage_rows"] == 0, key
    # the change against the month before, from the reference
    months = sorted({m for m, _, _ in want})
    for (month, org, project), row in got.items():
        index = months.index(month)
        if index == 0:
            assert row["previous_month_total_cost"] is None
            continue
        before = want.get((months[index - 1], org, project), {}).get("total_cost", Decimal(0))
        now = want.get((month, org, project), {}).get("total_cost", Decimal(0))
        assert row["previous_month_total_cost"] == before, (month, org, project)
        assert row["total_cost_change"] == now - before
        if before:
            assert row["total_cost_change_pct"] == pytest.approx(
                float((now - before) / before * 100), abs=0.006
            )
        else:
            assert row["total_cost_change_pct"] is None
    last_day = max(r["usage_date"] for r in expected_rows.values())
    month_is_over = (last_day + timedelta(days=1)).day == 1
    incomplete = set() if month_is_over else {last_day.replace(day=1)}
    assert {r["usage_month"] for r in rows if not r["is_complete_month"]} == incomplete


def test_totals_agree_to_the_cent_everywhere(build: Build, expected_rows: dict) -> None:
    [totals] = query(
        build.db,
        """
        select
            (select sum(total_cost) from marts.fct_job_run_costs) as fact,
            (select sum(total_cost) from marts.agg_daily_costs) as daily,
            (select sum(total_cost) from marts.agg_monthly_costs) as monthly
    """,
    )
    with localcontext() as ctx:
        ctx.prec = 60
        reference = sum((r["total_cost"] for r in expected_rows.values()), Decimal(0))
    assert totals["fact"] == totals["daily"] == totals["monthly"] == reference
    assert round(reference, 2) > 0


def test_every_mart_column_is_documented_and_money_has_a_currency(build: Build) -> None:
    manifest = json.loads((build.work / "target" / "manifest.json").read_text())
    for name in (
        "fct_job_run_costs",
        "agg_daily_costs",
        "agg_monthly_costs",
        "fct_team_costs_daily",
        "team_chargeback_monthly",
        "rightsizing_recommendations",
        "waste_monthly",
    ):
        node = manifest["nodes"][f"model.circleci_costs.{name}"]
        assert "one row per" in node["description"].lower(), name
        columns = [
            r["column_name"]
            for r in query(
                build.db,
                f"""
                select column_name from information_schema.columns
                where table_schema = 'marts' and table_name = '{name}' order by ordinal_position
            """,
            )
        ]
        documented = node["columns"]
        assert set(columns) == set(documented), (name, set(columns) ^ set(documented))
        for column in columns:
            doc = documented[column]
            assert doc["description"].strip(), (name, column)
            meta = doc.get("config", {}).get("meta") or doc.get("meta") or {}
            if column.endswith(("_cost", "_per_credit")) or column.startswith("savings"):
                assert str(meta.get("unit", "")).startswith("money"), (name, column)
            if str(meta.get("unit", "")).startswith("money"):
                assert meta["currency_column"] in columns, (name, column)
            if column.endswith("_credits"):
                assert meta.get("unit") == "credits", (name, column)


def test_raw_source_has_freshness_thresholds(build: Build) -> None:
    manifest = json.loads((build.work / "target" / "manifest.json").read_text())
    source = manifest["sources"]["source.circleci_costs.circleci_raw.usage_job_runs"]
    assert source["loaded_at_field"] == "job_run_started_at"
    assert source["freshness"]["warn_after"] == {"count": 2, "period": "day"}
    assert source["freshness"]["error_after"] == {"count": 4, "period": "day"}
