from __future__ import annotations

import csv
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from loader.schema import CREDIT_COLUMNS, EXPORT_COLUMNS
from simulator import GROUND_TRUTH_COLUMNS, UsageGenerator
from simulator.catalog import credits_per_minute

END = date(2025, 6, 14)


@pytest.fixture(scope="module")
def gen() -> UsageGenerator:
    return UsageGenerator(seed=7, end_date=END, days=400, scale=0.5)


@pytest.fixture(scope="module")
def month(gen: UsageGenerator) -> pa.Table:
    """Four weeks of both organizations, including a first of the month."""
    start = datetime(2025, 5, 18, tzinfo=UTC)
    return gen.table(
        [o.id for o in gen.organizations], start, datetime(2025, 6, 14, 23, 59, tzinfo=UTC)
    )


def _window(gen: UsageGenerator, start: datetime, end: datetime) -> pa.Table:
    return gen.table([o.id for o in gen.organizations], start, end)


def test_schema_is_the_export_contract(month: pa.Table) -> None:
    assert month.schema.names == list(EXPORT_COLUMNS)
    assert [f.type for f in month.schema] == list(EXPORT_COLUMNS.values())
    assert month.num_rows > 5_000


def test_organizations_and_projects(gen: UsageGenerator, month: pa.Table) -> None:
    assert len(gen.organizations) >= 2
    assert sum(len(o.projects) for o in gen.organizations) >= 20
    assert {"acme-robotics", "globex-labs"} <= {o.name for o in gen.organizations}
    urls = pc.unique(month["VCS_URL"].drop_null()).to_pylist()
    assert all(u.startswith("https://github.com/") for u in urls)
    assert {"webhook", "api", "scheduled_pipeline"} <= set(
        pc.unique(month["PIPELINE_TRIGGER_SOURCE"].drop_null()).to_pylist()
    )
    branches = set(pc.unique(month["VCS_BRANCH"].drop_null()).to_pylist())
    assert "main" in branches and len(branches) > 5
    assert {"docker", "machine", "macos", "windows"} == set(
        pc.unique(month["EXECUTOR"].drop_null()).to_pylist()
    )


def test_same_seed_same_rows_and_other_seed_differs(gen: UsageGenerator) -> None:
    org = gen.organizations[0].id
    again = UsageGenerator(seed=7, end_date=END, days=400, scale=0.5)
    assert gen.day_table(org, date(2025, 6, 2)).equals(again.day_table(org, date(2025, 6, 2)))
    other = UsageGenerator(seed=8, end_date=END, days=400, scale=0.5)
    assert not gen.day_table(org, date(2025, 6, 2)).equals(other.day_table(org, date(2025, 6, 2)))


def test_window_boundaries_do_not_change_rows(gen: UsageGenerator) -> None:
    start = datetime(2025, 6, 1, 5, 30, tzinfo=UTC)
    end = datetime(2025, 6, 4, 17, 45, tzinfo=UTC)
    whole = _window(gen, start, end)
    cut = datetime(2025, 6, 2, 13, 7, 11, tzinfo=UTC)
    pieces = pa.concat_tables(
        [_window(gen, start, cut), _window(gen, cut + timedelta(microseconds=1), end)]
    )
    assert whole.num_rows == pieces.num_rows > 0
    assert sorted(whole["JOB_ID"].drop_null().to_pylist()) == sorted(
        pieces["JOB_ID"].drop_null().to_pylist()
    )
    assert whole.sort_by("JOB_ID").equals(pieces.sort_by("JOB_ID"))
    started = whole["JOB_RUN_STARTED_AT"].drop_null()
    assert pc.min(started).as_py() >= start and pc.max(started).as_py() <= end


def test_job_ids_unique_and_uuid_like(month: pa.Table) -> None:
    ids = month["JOB_ID"].drop_null()
    assert len(pc.unique(ids)) == len(ids)
    assert pc.all(pc.match_substring_regex(ids, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-")).as_py()


def test_rows_start_on_their_job_run_date(month: pa.Table) -> None:
    jobs = month.filter(pc.is_valid(month["JOB_ID"]))
    run_date = pc.cast(jobs["JOB_RUN_STARTED_AT"], pa.date32())
    assert pc.all(pc.equal(run_date, jobs["JOB_RUN_DATE"])).as_py()
    assert pc.all(pc.less_equal(jobs["JOB_RUN_QUEUED_AT"], jobs["JOB_RUN_STARTED_AT"])).as_py()
    assert pc.all(pc.less(jobs["JOB_RUN_STARTED_AT"], jobs["JOB_RUN_STOPPED_AT"])).as_py()


def test_weekends_are_quieter_than_weekdays(month: pa.Table) -> None:
    jobs = month.filter(pc.is_valid(month["JOB_ID"]))
    weekday = pc.day_of_week(jobs["JOB_RUN_DATE"]).to_numpy()
    per_weekday = np.bincount(weekday, minlength=7) / 4  # four of each weekday
    assert per_weekday[5:].max() < 0.4 * per_weekday[:5].min()


def test_every_credit_type_is_used_and_total_is_the_sum(month: pa.Table) -> None:
    for column in CREDIT_COLUMNS:
        assert pc.max(month[column]).as_py() > 0, column
    narrow = pa.decimal128(24, 9)  # room for the sum's precision
    parts = [pc.cast(month[c], narrow) for c in CREDIT_COLUMNS if c != "TOTAL_CREDITS"]
    total = parts[0]
    for column in parts[1:]:
        total = pc.add(total, column)
    assert pc.all(pc.equal(total, pc.cast(month["TOTAL_CREDITS"], total.type))).as_py()


def test_seat_rows_are_monthly_and_job_less(month: pa.Table) -> None:
    seats = month.filter(pc.greater(month["USER_CREDITS"], 0))
    assert seats.num_rows == 2  # one per organization on 2025-06-01
    assert seats["JOB_RUN_DATE"].to_pylist() == [date(2025, 6, 1)] * 2
    for column in ("JOB_ID", "PROJECT_ID", "PIPELINE_ID", "WORKFLOW_ID"):
        assert seats[column].null_count == 2
    assert all(v % 25_000 == 0 for v in seats["USER_CREDITS"].to_pylist())
    jobs = month.filter(pc.is_valid(month["JOB_ID"]))
    assert pc.max(jobs["USER_CREDITS"]).as_py() == 0


def test_utilization_is_null_exactly_for_short_jobs_and_macos(month: pa.Table) -> None:
    jobs = month.filter(pc.is_valid(month["JOB_ID"]))
    short = pc.less(jobs["JOB_RUN_SECONDS"], 15)
    macos = pc.equal(jobs["EXECUTOR"], "macos")
    assert pc.sum(short).as_py() > 0 and pc.sum(macos).as_py() > 0
    for column in ("MEDIAN_CPU_UTILIZATION_PCT", "MAX_RAM_UTILIZATION_PCT"):
        assert pc.all(pc.equal(pc.is_null(jobs[column]), pc.or_(short, macos))).as_py()


def test_compute_credits_follow_the_resource_class_rate(month: pa.Table) -> None:
    jobs = month.filter(pc.is_valid(month["JOB_ID"])).to_pydict()
    for i in range(0, len(jobs["JOB_ID"]), 7):
        rate = credits_per_minute(jobs["EXECUTOR"][i], jobs["RESOURCE_CLASS"][i])
        expected = math.ceil(jobs["JOB_RUN_SECONDS"][i] * rate * jobs["PARALLELISM"][i] / 60)
        assert jobs["COMPUTE_CREDITS"][i] == expected
        stopped, started = jobs["JOB_RUN_STOPPED_AT"][i], jobs["JOB_RUN_STARTED_AT"][i]
        assert math.ceil((stopped - started).total_seconds()) == jobs["JOB_RUN_SECONDS"][i]


def test_failures_and_reruns_share_the_pipeline(month: pa.Table) -> None:
    statuses = set(pc.unique(month["JOB_BUILD_STATUS"].drop_null()).to_pylist())
    assert statuses == {"success", "failed", "canceled", "infrastructure_fail", "timedout"}
    jobs = month.filter(pc.is_valid(month["JOB_ID"]))
    per_pipeline = jobs.group_by(["PIPELINE_ID", "WORKFLOW_NAME"]).aggregate(
        [("WORKFLOW_ID", "count_distinct")]
    )
    assert pc.max(per_pipeline["WORKFLOW_ID_count_distinct"]).as_py() >= 2


def _project_daily(gen: UsageGenerator, org_id: str, project: str, days: list[date]) -> list[float]:
    out = []
    for day in days:
        t = gen.day_table(org_id, day)
        t = t.filter(pc.equal(t["PROJECT_NAME"], project))
        out.append(float(pc.sum(t["TOTAL_CREDITS"]).as_py() or 0))
    return out


def test_incidents_are_visible_against_the_same_weekdays(gen: UsageGenerator) -> None:
    assert len(gen.incidents) >= 5
    assert any(i.last_day is None and (END - i.first_day).days < 7 for i in gen.incidents)
    for inc in gen.incidents:
        active = [inc.first_day + timedelta(days=i) for i in range(7)]
        weekdays = [d for d in active if inc.active_on(d) and d.weekday() < 5][:3]
        actual = np.mean(_project_daily(gen, inc.plan.org_id, inc.plan.project, weekdays))
        before = [
            np.mean(
                _project_daily(
                    gen,
                    inc.plan.org_id,
                    inc.plan.project,
                    [d - timedelta(weeks=w) for d in weekdays],
                )
            )
            for w in (1, 2, 3, 4)
        ]
        expected = float(np.median(before))
        if inc.plan.direction == "up":
            assert actual > 1.4 * expected, inc.incident_id
        else:
            assert actual < 0.3 * expected, inc.incident_id


def test_normal_weekdays_are_regular(gen: UsageGenerator) -> None:
    acme = gen.organization("acme-robotics")
    days = [date(2025, 3, 3) + timedelta(weeks=w) for w in range(6)]  # Mondays, no incident
    for project in ("control-panel-web", "warehouse-api", "motion-planner"):
        series = np.array(_project_daily(gen, acme.id, project, days))
        assert series.max() < 1.4 * np.median(series), project
        assert series.min() > 0.7 * np.median(series), project


def test_incidents_can_be_switched_off(gen: UsageGenerator) -> None:
    calm = UsageGenerator(seed=7, end_date=END, days=400, scale=0.5, incidents=False)
    inc = next(i for i in gen.incidents if i.plan.kind == "project_archived")
    day = inc.first_day + timedelta(days=2)
    assert _project_daily(gen, inc.plan.org_id, inc.plan.project, [day]) == [0.0]
    assert _project_daily(calm, inc.plan.org_id, inc.plan.project, [day])[0] > 0


def test_ground_truth_file(gen: UsageGenerator, tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    gen.write_ground_truth(path)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(GROUND_TRUTH_COLUMNS)
    assert len(rows) == len(gen.incidents)
    for row in rows:
        effect = float(row["approx_daily_credits_effect"])
        assert (effect > 0) == (row["direction"] == "up")
        assert abs(effect) > 0.3 * float(row["baseline_daily_credits"])
        date.fromisoformat(row["first_day"])
    assert any(row["last_day"] == "" for row in rows)


def test_outside_history_is_empty_and_scale_for_rows(gen: UsageGenerator) -> None:
    org = gen.organizations[0].id
    assert gen.day_table(org, END + timedelta(days=1)).num_rows == 0
    assert gen.day_table(org, gen.start_date - timedelta(days=1)).num_rows == 0
    scale = UsageGenerator.scale_for_rows(20_000, seed=7, end_date=END, days=20)
    sized = UsageGenerator(seed=7, end_date=END, days=20, scale=scale)
    rows = sized.table([o.id for o in sized.organizations], *sized.history_bounds()).num_rows
    assert 16_000 < rows < 24_000


def test_a_longer_history_sized_by_its_last_days_is_as_busy_there() -> None:
    # the organizations grow from the history's first day: at one scale, a history twenty
    # times as long ends busier; sized by its last 20 days it ends as busy as the short one
    history_days = {"short": 20, "long": 400}
    last_rows = {}
    for name, days in history_days.items():
        scale = UsageGenerator.scale_for_rows(20_000, seed=7, end_date=END, days=days, last_days=20)
        sized = UsageGenerator(seed=7, end_date=END, days=days, scale=scale)
        start = datetime.combine(END - timedelta(days=19), datetime.min.time(), UTC)
        end = datetime.combine(END, datetime.max.time(), UTC)
        last_rows[name] = sized.table([o.id for o in sized.organizations], start, end).num_rows
    assert 16_000 < last_rows["short"] < 24_000
    assert 16_000 < last_rows["long"] < 24_000
    same_scale = UsageGenerator(
        seed=7,
        end_date=END,
        days=400,
        scale=UsageGenerator.scale_for_rows(20_000, seed=7, end_date=END, days=20),
    )
    start = datetime.combine(END - timedelta(days=19), datetime.min.time(), UTC)
    end = datetime.combine(END, datetime.max.time(), UTC)
    grown = same_scale.table([o.id for o in same_scale.organizations], start, end).num_rows
    assert grown > 1.2 * last_rows["long"], "at one scale the longer history ends busier"
