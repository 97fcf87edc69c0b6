"""marts.focus_circleci_costs: FOCUS 1.2 rows of the CircleCI costs, checked three ways.

Against the priced fact (its conservation test passes on the session build and fails, naming
the org and day, when a billionth is added), against the documented mapping (seats as their
own charge, Tags as JSON matching the x_ columns, split rules sharing each credit type), and
against the FinOps Foundation's validator: `python -m loader export focus` writes the session
build as Parquet and CSV, and the validator passes every file checked with no failed rule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import REPO, Build, copy_db, run_dbt
from raw_usage import ORG_B

from tests.focus_validator import validate

MART = "marts.focus_circleci_costs"


def query(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_build_passes_the_focus_tests(build: Build) -> None:
    assert build.run.status("assert_focus_circleci_costs_conserve_cost") == "pass"
    grain = [
        uid for uid in build.run.results if "unique_combination_of_columns_focus_circleci" in uid
    ]
    assert grain and all(build.run.results[uid]["status"] == "pass" for uid in grain)


def test_it_adds_up_to_the_priced_fact(build: Build) -> None:
    [totals] = query(
        build.db,
        f"""select
            (select sum(total_cost) from marts.fct_job_run_costs) as fact_cost,
            (select sum(total_credits) from marts.fct_job_run_costs) as fact_credits,
            (select sum("EffectiveCost") from {MART}) as effective,
            (select sum("BilledCost") from {MART}) as billed,
            (select sum("PricingQuantity") from {MART}) as credits""",
    )
    assert totals["fact_cost"] > 0
    assert totals["effective"] == totals["billed"] == totals["fact_cost"]
    assert totals["credits"] == totals["fact_credits"]


def test_conservation_test_names_the_day_a_billionth_went_missing(
    build: Build, tmp_path: Path
) -> None:
    db = copy_db(build.db, tmp_path / "tampered.duckdb")
    with duckdb.connect(str(db)) as con:
        day, org = con.execute(
            f"""select cast("ChargePeriodStart" as date), "BillingAccountId" from {MART}
                order by all limit 1"""
        ).fetchone()
        con.execute(
            f"""update {MART} set "EffectiveCost" = "EffectiveCost" - 0.000000001
                where cast("ChargePeriodStart" as date) = date '{day}'
                    and "BillingAccountId" = '{org}'
                    and rowid = (select min(rowid) from {MART}
                                 where cast("ChargePeriodStart" as date) = date '{day}'
                                     and "BillingAccountId" = '{org}')"""
        )
    run = run_dbt(
        ["test", "--select", "assert_focus_circleci_costs_conserve_cost"],
        db=db,
        seeds=build.seeds,
        work=tmp_path,
    )
    assert run.returncode != 0
    problems = run.problems("assert_focus_circleci_costs_conserve_cost")
    assert len(problems) == 1, problems
    assert "effective_cost" in problems[0]
    assert f"usage_date={day}" in problems[0] and f"org_id={org}" in problems[0]


def test_seats_are_their_own_recurring_charge(build: Build) -> None:
    rows = query(
        build.db,
        f"""select "SkuId", "ChargeFrequency", "ResourceId", "ChargeCategory", count(*) as n
            from {MART} where "x_CreditType" = 'user' group by all""",
    )
    assert rows, "the test data has seat credits"
    assert all(r["SkuId"] == "circleci-user-seats" for r in rows)
    assert all(r["ChargeFrequency"] == "Recurring" and r["ResourceId"] is None for r in rows)
    others = query(
        build.db,
        f"""select distinct "ChargeFrequency", "SkuId" like 'circleci-%-credits' as credit_sku
            from {MART} where "x_CreditType" <> 'user'""",
    )
    assert others == [{"ChargeFrequency": "Usage-Based", "credit_sku": True}]


def test_tags_are_json_matching_the_custom_columns(build: Build) -> None:
    rows = query(
        build.db,
        f"""select "Tags", "x_Team", "x_WorkflowName", "x_JobName", "x_ResourceClass"
            from {MART}""",
    )
    for row in rows:
        tags = json.loads(row["Tags"])
        expected = {
            "team": row["x_Team"],
            "workflow": row["x_WorkflowName"],
            "job": row["x_JobName"],
            "resource_class": row["x_ResourceClass"],
        }
        assert tags == {k: v for k, v in expected.items() if v is not None}


def test_a_split_rule_shares_every_credit_type_by_its_shares(build: Build) -> None:
    # data-pipeline of ORG_B is split 45.5 / 33.333333 / 21.166667 (conftest.TEST_TEAM_RULES)
    rows = query(
        build.db,
        f"""select "x_Team" as team, sum("PricingQuantity") as credits,
                sum("x_UsageRows") as usage_rows
            from {MART} where "BillingAccountId" = '{ORG_B}' and "ResourceName" = 'data-pipeline'
                and "x_Team" in ('data', 'ml', 'backend')
            group by all""",
    )
    shares = {r["team"]: r["credits"] for r in rows}
    total = sum(shares.values())
    assert total > 0 and len(shares) == 3
    # a part is the difference of two running shares, each rounded to 1e-9 credits
    tolerance = Decimal("2e-9") * sum(r["usage_rows"] for r in rows)
    expected = {
        "data": Decimal("45.5"),
        "ml": Decimal("33.333333"),
        "backend": Decimal("21.166667"),
    }
    for team, pct in expected.items():
        # per-row rounding at 1e-9 credits only
        assert abs(shares[team] - total * pct / 100) <= tolerance


@pytest.fixture(scope="module")
def exported(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("focus_export")
    folders = {}
    for file_format in ("parquet", "csv"):
        folder = out / file_format
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "loader",
                "export",
                "focus",
                "--db",
                str(build.db),
                "--out",
                str(folder),
                "--format",
                file_format,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"},
        )
        assert done.returncode == 0, done.stderr
        assert "FOCUS 1.2 file(s)" in done.stdout
        folders[file_format] = folder
    return folders


def test_export_writes_one_file_per_billing_period_with_every_row(
    build: Build, exported: dict[str, Path]
) -> None:
    periods = [
        f"{r['p']:%Y-%m}"
        for r in query(
            build.db, f'select distinct "BillingPeriodStart" as p from {MART} order by 1'
        )
    ]
    [mart] = query(build.db, f'select count(*) as n, sum("EffectiveCost") as cost from {MART}')
    for file_format, folder in exported.items():
        files = sorted(folder.glob(f"*.{file_format}"))
        assert [f.stem.rsplit("_", 1)[1] for f in files] == periods
        # CSV read as text: the money is exact in the file, a float would not be
        reader = "read_parquet" if file_format == "parquet" else "read_csv"
        options = "filename = true" + (", all_varchar = true" if file_format == "csv" else "")
        with duckdb.connect() as con:
            n, cost, months = con.execute(
                f"""select count(*), sum(cast("EffectiveCost" as decimal(38, 18))),
                        count(distinct "BillingPeriodStart")
                    from {reader}('{folder}/*.{file_format}', {options})"""
            ).fetchone()
            per_file = con.execute(
                f"""select count(distinct "BillingPeriodStart")
                    from {reader}('{folder}/*.{file_format}', {options}) group by filename"""
            ).fetchall()
        assert (n, cost, months) == (mart["n"], mart["cost"], len(periods))
        assert {row[0] for row in per_file} == {1}


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_the_focus_validator_passes_the_export(
    build: Build, exported: dict[str, Path], file_format: str
) -> None:
    # the month with the most kinds of charge: seats, splits, several prices
    [month] = query(
        build.db,
        f"""select strftime("BillingPeriodStart", '%Y-%m') as m from {MART}
            group by all order by count(distinct "SkuId") desc, count(distinct "x_PriceKey") desc,
            m limit 1""",
    )
    path = exported[file_format] / f"focus_circleci_costs_{month['m']}.{file_format}"
    result = validate(path)
    assert not result.failures, "\n".join(result.failures)
    # the mandatory columns were checked, not skipped
    assert {"BilledCost-C-000-M", "ChargeCategory-C-000-M", "Tags-C-000-C"} & result.passed
    assert "BilledCost-C-000-M" in result.passed


# Cloud rules of the cloud scenario: a tag rule, a provider glob, a sub-account glob with an
# end date, and a catch-all at the lowest precedence.
CLOUD_TEAM_RULES = """\
rule_id,priority,team,provider,sub_account,service,tag_key,tag_value,effective_from,effective_until
tag-checkout,10,checkout,,,,team,check*,2015-01-01,
oracle,20,ml,Oracle*,,,,,2015-01-01,
azure-prod,20,data,Microsoft,prod,,,,2015-01-01,2026-03-01
everything,90,platform,,,,,,2015-01-01,
"""


@pytest.fixture(scope="module")
def cloud(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The session's build with four providers' exports loaded and the focus models rebuilt."""
    from loader.focus.load import load_focus_files
    from tests.loader.focus import samples

    work = tmp_path_factory.mktemp("focus_cloud")
    db = copy_db(build.db, work / "circleci_costs.duckdb")
    exports = work / "exports"
    exports.mkdir()
    samples.aws_parquet(exports / "aws.parquet")
    samples.azure_csv(exports / "azure.csv")
    samples.google_parquet(exports / "gcp.parquet")
    samples.oracle_csv_gz(exports / "oci.csv.gz")
    load_focus_files([exports], db)
    seeds = work / "seeds"
    shutil.copytree(build.seeds, seeds)
    (seeds / "cloud_team_rules.csv").write_text(CLOUD_TEAM_RULES)
    run = run_dbt(
        [
            "build",
            "--select",
            "cloud_team_rules",
            "stg_focus__charges+",
            "stg_seeds__cloud_team_rules+",
        ],
        db=db,
        seeds=seeds,
        work=work,
    )
    assert run.returncode == 0, run.output[-4000:]
    return {"db": db, "seeds": seeds, "run": run, "work": work}


def test_cloud_charges_join_the_ci_costs_conserved(cloud: dict[str, Any]) -> None:
    for test in (
        "assert_fct_focus_costs_conserve_cost",
        "assert_team_ci_cloud_monthly_conserves_cost",
        "assert_cloud_team_rules_are_well_formed",
    ):
        assert cloud["run"].status(test) == "pass", test
    [sides] = query(
        cloud["db"],
        """select
            (select sum("EffectiveCost") from marts.fct_focus_costs where "x_Source" = 'cloud')
                as cloud,
            (select sum(effective_cost) from focus_raw.charges) as loaded,
            (select sum("EffectiveCost") from marts.fct_focus_costs where "x_Source" = 'circleci')
                as ci,
            (select sum(total_cost) from marts.fct_job_run_costs) as fact""",
    )
    assert sides["cloud"] == sides["loaded"] == Decimal("48.925")
    assert sides["ci"] == sides["fact"]


def test_cloud_rules_place_each_charge_on_one_team(cloud: dict[str, Any]) -> None:
    placed = query(
        cloud["db"],
        """select "ProviderName" as provider, "x_ChargeDate" as day, "x_Team" as team,
                  "x_TeamRuleId" as rule
           from marts.fct_focus_costs where "x_Source" = 'cloud' order by all""",
    )
    by_provider: dict[str, set[tuple[str, str]]] = {}
    for row in placed:
        by_provider.setdefault(row["provider"], set()).add((row["team"], row["rule"]))
    assert by_provider["AWS"] == {("checkout", "tag-checkout")}  # tag team=checkout
    assert by_provider["Google Cloud"] == {("checkout", "tag-checkout")}
    assert by_provider["Oracle Cloud Infrastructure"] == {("ml", "oracle")}
    # azure-prod ends on 2026-03-01: the next day falls to the catch-all
    azure = [(r["day"].isoformat(), r["team"]) for r in placed if r["provider"] == "Microsoft"]
    assert azure == [("2026-03-01", "data"), ("2026-03-02", "platform")]


def test_team_month_shows_ci_and_cloud_side_by_side(cloud: dict[str, Any]) -> None:
    rows = query(
        cloud["db"],
        """select team, currency, ci_cost, cloud_cost, total_cost from marts.team_ci_cloud_monthly
           where cost_month = date '2026-03-01' and cloud_cost <> 0 order by all""",
    )
    cloud_by_team = {(r["team"], r["currency"]): r["cloud_cost"] for r in rows}
    assert cloud_by_team == {
        ("checkout", "USD"): Decimal("40.8"),
        ("data", "EUR"): Decimal("3.25"),
        ("ml", "USD"): Decimal("0.125"),
        ("platform", "EUR"): Decimal("4.75"),
    }
    assert all(r["total_cost"] == r["ci_cost"] + r["cloud_cost"] for r in rows)
    ci_teams = query(
        cloud["db"],
        """select count(*) as n from marts.team_ci_cloud_monthly
           where cost_month = date '2026-03-01' and ci_cost <> 0 and cloud_cost = 0""",
    )
    assert ci_teams[0]["n"] > 0  # CI-only teams are there too, with 0 cloud cost


def test_fct_focus_costs_conservation_names_the_cloud_day(cloud: dict[str, Any]) -> None:
    work = cloud["work"] / "tampered"
    db = copy_db(cloud["db"], work / "circleci_costs.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(
            """update marts.fct_focus_costs set "EffectiveCost" = "EffectiveCost" + 0.01
               where "x_Source" = 'cloud' and "ProviderName" = 'Microsoft'
                   and "x_ChargeDate" = date '2026-03-02'"""
        )
    run = run_dbt(
        ["test", "--select", "assert_fct_focus_costs_conserve_cost"],
        db=db,
        seeds=cloud["seeds"],
        work=work,
    )
    problems = run.problems("assert_fct_focus_costs_conserve_cost")
    assert run.returncode != 0 and len(problems) == 1, problems
    assert "source=cloud, charge_date=2026-03-02" in problems[0]


@pytest.fixture(scope="module")
def shifts(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Cloud bills around one CI anomaly episode of the session build, and the correlations.

    Three scopes, each daily from 70 days before the episode to its last day, weekdays 100
    and weekends 40: `moved` (tagged with the episode's team) triples on the episode's days;
    `linked` (another team, joined to the episode's project by ci_cloud_links.csv) stays
    flat; `distractor` (a third team) doubles for five days a month before the episode.
    """
    from loader.focus.load import load_focus_files
    from tests.loader.focus import samples

    work = tmp_path_factory.mktemp("focus_shifts")
    [episode] = query(
        build.db,
        """select anomalies.anomaly_id, first_day, last_day, project_name, driver_project_name,
                  any_value(days.team) as team
           from marts.cost_anomalies as anomalies
           inner join intermediate.int_ci_episode_days as days
               on anomalies.anomaly_id = days.anomaly_id
           where direction = 'up' and duration_days between 2 and 10
               and days.team <> 'unallocated'
           group by all
           order by any_value(impact_cost) desc limit 1""",
    )
    team = {"team": episode["team"]}
    first, last = episode["first_day"], episode["last_day"]
    days = [first - timedelta(days=70) + timedelta(days=i) for i in range((last - first).days + 71)]
    distractor_days = {first - timedelta(days=30 - i) for i in range(5)}

    def series(factor_on: set[date], factor: int) -> dict[date, str]:
        return {
            d: str((100 if d.weekday() < 5 else 40) * (factor if d in factor_on else 1))
            for d in days
        }

    # infrastructure that scales with the episode scope's CI cost (the window's days; the
    # weeks before it repeat its first four weeks, so the baseline has history)
    ci = {
        r["cost_date"]: r["ci_cost"]
        for r in query(
            build.db,
            f"""select cost_date, ci_cost from intermediate.int_ci_episode_days
                where anomaly_id = '{episode["anomaly_id"]}'""",
        )
    }
    window_start = min(ci)

    def follows_ci(day: date) -> str:
        while day < window_start:
            day += timedelta(days=28)
        return str(round(50 + 20 * ci[day], 2))

    exports = work / "exports"
    exports.mkdir()
    samples.daily_csv(
        exports / "moved.csv",
        {d: follows_ci(d) for d in days},
        team=team["team"],
        sub_account="staging",
        service="Amazon Elastic Compute Cloud",
    )
    samples.daily_csv(
        exports / "linked.csv",
        series(set(), 1),
        team="shift-linked",
        sub_account="shared-db",
        service="Amazon Relational Database Service",
    )
    samples.daily_csv(
        exports / "distractor.csv",
        series(distractor_days, 2),
        team="shift-distractor",
        sub_account="analytics",
        service="BigQuery",
        provider="Google Cloud",
    )
    db = copy_db(build.db, work / "circleci_costs.duckdb")
    load_focus_files([exports], db)
    seeds = work / "seeds"
    shutil.copytree(build.seeds, seeds)
    (seeds / "cloud_team_rules.csv").write_text(
        "rule_id,priority,team,provider,sub_account,service,tag_key,tag_value,"
        "effective_from,effective_until\n"
        "by-tag,10,{team},,,,team,{team},2015-01-01,\n"
        "linked,20,shift-linked,,shared-db,,,,2015-01-01,\n"
        "distractor,20,shift-distractor,,analytics,,,,2015-01-01,\n".format(team=team["team"])
    )
    project = episode["project_name"] or episode["driver_project_name"]
    (seeds / "ci_cloud_links.csv").write_text(
        "link_id,org_id,project,workflow,provider,sub_account,service,team,note\n"
        f"db-link,,{project},,AWS,shared-*,,,the tests' database\n"
    )
    run = run_dbt(
        [
            "build",
            "--select",
            "cloud_team_rules",
            "ci_cloud_links",
            "stg_focus__charges+",
            "stg_seeds__cloud_team_rules+",
            "stg_seeds__ci_cloud_links+",
        ],
        db=db,
        seeds=seeds,
        work=work,
    )
    assert run.returncode == 0, run.output[-4000:]
    rows = query(db, "select * from marts.cost_shift_correlations order by all")
    return {"episode": episode, "team": team["team"], "rows": rows, "run": run}


def test_the_cloud_scope_of_the_team_moved_with_the_episode(shifts: dict[str, Any]) -> None:
    episode = shifts["episode"]
    [moved] = [
        r
        for r in shifts["rows"]
        if r["anomaly_id"] == episode["anomaly_id"] and r["sub_account_id"] == "staging"
    ]
    assert moved["correlation_kind"] == "ci_with_cloud" and moved["moved_with_ci"]
    assert moved["link_reason"] == f"same team {shifts['team']}"
    assert moved["cloud_change_pct"] >= 30 and moved["cloud_change_cost"] > 0
    assert moved["correlation"] > 0.9
    pct = round(moved["cloud_change_pct"])
    assert f"+{pct} % the same days (correlation " in moved["description"]
    assert shifts["run"].status("assert_cost_shift_correlations_cloud_cost_is_exact") == "pass"


def test_a_linked_scope_that_stayed_flat_did_not_move(shifts: dict[str, Any]) -> None:
    episode = shifts["episode"]
    [flat] = [
        r
        for r in shifts["rows"]
        if r["anomaly_id"] == episode["anomaly_id"] and r["sub_account_id"] == "shared-db"
    ]
    assert flat["link_reason"] == "link db-link"
    assert flat["cloud_change_cost"] == 0 and not flat["moved_with_ci"]
    assert flat["description"].endswith("did not move with it")


def test_the_distractor_is_a_cloud_shift_without_ci(shifts: dict[str, Any]) -> None:
    distractor = [r for r in shifts["rows"] if r["sub_account_id"] == "analytics"]
    assert [r["correlation_kind"] for r in distractor] == ["cloud_without_ci"]
    assert not any(r["moved_with_ci"] for r in distractor)
    assert distractor[0]["cloud_change_pct"] == 100.0
    assert "with no CircleCI change linked to it" in distractor[0]["description"]
