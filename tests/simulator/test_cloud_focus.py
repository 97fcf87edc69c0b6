"""The simulator's cloud FOCUS bills: valid FOCUS 1.2, steady with a weekly rhythm, and the
two labelled shifts where the truth file says they are."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from simulator.cloud_focus import write_cloud_exports, write_cloud_truth
from simulator.generator import UsageGenerator
from tests.focus_validator import validate

END = date(2026, 11, 30)


@pytest.fixture(scope="module")
def bills(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("cloud")
    incidents = UsageGenerator(end_date=END, days=120).incidents
    files = write_cloud_exports(out / "focus", END - timedelta(days=119), END, incidents)
    truth = write_cloud_truth(out / "shifts.csv", END, incidents)
    with truth.open(newline="") as handle:
        shifts = list(csv.DictReader(handle))
    return {"files": files, "shifts": shifts}


def daily(files: list[Path], sub_account: str) -> dict[date, Decimal]:
    parquet = [str(f) for f in files if f.suffix == ".parquet"]
    csvs = [str(f) for f in files if f.suffix == ".csv"]
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        rows = con.execute(
            f"""select cast(start as date), sum(cast(cost as decimal(38, 10)))
                from (select "ChargePeriodStart" as start, "EffectiveCost" as cost, "SubAccountId"
                      from read_parquet({parquet})
                      union all
                      select cast("ChargePeriodStart" as timestamptz), "EffectiveCost",
                          "SubAccountId"
                      from read_csv({csvs}, all_varchar = true))
                where "SubAccountId" = ? group by 1""",
            [sub_account],
        ).fetchall()
    return {day: cost for day, cost in rows}


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_the_files_pass_the_focus_validator(bills: dict[str, object], suffix: str) -> None:
    files = [f for f in bills["files"] if f.suffix == suffix]  # type: ignore[attr-defined]
    assert files
    result = validate(files[-1])
    assert not result.failures, "\n".join(result.failures)


def test_the_labelled_shifts_are_in_the_bills(bills: dict[str, object]) -> None:
    shifts = {s["shift_id"]: s for s in bills["shifts"]}  # type: ignore[attr-defined]
    assert shifts["SHIFT-1"]["caused_by_incident"] == "INC-6"
    assert shifts["SHIFT-2"]["caused_by_incident"] == ""
    for shift in shifts.values():
        days = daily(bills["files"], shift["sub_account_id"])  # type: ignore[arg-type]
        first, last = date.fromisoformat(shift["first_day"]), date.fromisoformat(shift["last_day"])
        for day in (first, last):
            # against the same weekday two weeks earlier: the shift's factor, give or take noise
            ratio = days[day] / days[day - timedelta(days=14)]
            assert abs(float(ratio) - float(shift["factor"])) < 0.4, (shift["shift_id"], day)
        assert (
            0.85 < float(days[first - timedelta(days=1)] / days[first - timedelta(days=15)]) < 1.15
        )


def test_steady_scopes_have_a_weekly_rhythm(bills: dict[str, object]) -> None:
    days = daily(bills["files"], "444455556666")  # type: ignore[arg-type]
    weekdays = [c for d, c in days.items() if d.weekday() < 5 and d < END - timedelta(days=10)]
    weekends = [c for d, c in days.items() if d.weekday() >= 5 and d < END - timedelta(days=10)]
    assert sum(weekdays) / len(weekdays) > 2 * sum(weekends) / len(weekends)
